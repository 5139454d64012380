"""Who is online: open sockets per user, kept in the cache (Redis in production).

Each socket writes its own entry with an expiry that its heartbeat renews, so several tabs count
separately, a closed socket removes its entry, and a socket that died without closing (a crashed
tablet, a killed server) drops out when its entry expires.
"""

import time

from django.core.cache import cache

# Browsers ping every HEARTBEAT_SECONDS; an entry survives two missed pings.
HEARTBEAT_SECONDS = 25
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


def _key(user_id: int) -> str:
    return f"presence.{user_id}"


def _live(entries: dict[str, float], now: float) -> dict[str, float]:
    return {channel: expires for channel, expires in entries.items() if expires > now}


async def socket_seen(user_id: int, channel_name: str) -> int:
    """Record (or renew) one open socket; returns the user's open socket count."""
    now = time.time()
    entries = _live(await cache.aget(_key(user_id), {}), now)
    entries[channel_name] = now + STALE_AFTER_SECONDS
    await cache.aset(_key(user_id), entries, STALE_AFTER_SECONDS * 2)
    return len(entries)


async def socket_closed(user_id: int, channel_name: str) -> int:
    now = time.time()
    entries = _live(await cache.aget(_key(user_id), {}), now)
    entries.pop(channel_name, None)
    if entries:
        await cache.aset(_key(user_id), entries, STALE_AFTER_SECONDS * 2)
    else:
        await cache.adelete(_key(user_id))
    return len(entries)


def open_sockets(user_id: int) -> int:
    return len(_live(cache.get(_key(user_id), {}), time.time()))


def is_online(user_id: int) -> bool:
    return open_sockets(user_id) > 0
