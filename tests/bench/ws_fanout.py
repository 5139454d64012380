"""Benchmark: fan-out latency of the real-time backbone, from commit to receipt at every client.

Starts the real ASGI server (uvicorn, one process) on the Redis channel layer, opens N websocket
clients (default 200, each a signed-in nurse), then R times: commits a database change whose
`publish` goes to the `role.nurse` group on commit, and records when each client receives it.
Prints p50/p95/p99 latency (ms) and the number of messages lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python tests/bench/ws_fanout.py --clients 200 --rounds 50

The database named in DATABASE_URL is created if missing and reused (its bench users are kept).
"""

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hms_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")


def ensure_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_users(count: int) -> list[str]:
    """`count` signed-in nurses; returns their session keys."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from hms.middleware import LAST_ACTIVITY_KEY

    keys = []
    for n in range(count):
        user, created = User.objects.get_or_create(
            username=f"bench-nurse-{n:04d}", defaults={"role": "nurse", "first_name": "Bench"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[LAST_ACTIVITY_KEY] = int(time.time())
        session.create()
        keys.append(session.session_key)
    return keys


def publish_round(seq: int) -> float:
    """Commit a change whose publish carries `seq`; returns the commit time (perf_counter)."""
    from django.db import transaction

    from hms import realtime
    from hms.models import AuditEntry

    stamp = {}
    with transaction.atomic():
        AuditEntry.objects.count()  # a real transaction around the publish
        # Registered first, so it runs first: the clock starts at the commit, before the send.
        transaction.on_commit(lambda: stamp.setdefault("at", time.perf_counter()))
        realtime.publish_html(
            "role.nurse", f'<div id="bench" hx-swap-oob="true" data-seq="{seq}"></div>'
        )
    return stamp["at"]


async def run(clients: int, rounds: int, interval: float, ws_impl: str) -> dict:
    import websockets
    from asgiref.sync import sync_to_async

    port = free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hms.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            ws_impl,
            "--log-level",
            "warning",
            "--lifespan",
            "off",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        keys = await sync_to_async(prepare_users)(clients)
        received: dict[int, list[float]] = {}
        sockets = []
        for key in keys:
            sockets.append(
                await websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/",
                    additional_headers={"Cookie": f"sessionid={key}", "Origin": "http://localhost"},
                    max_size=2**20,
                )
            )

        async def listen(ws) -> None:
            try:
                async for frame in ws:
                    arrived = time.perf_counter()
                    if 'id="bench"' in frame:
                        seq = int(frame.split('data-seq="')[1].split('"')[0])
                        received.setdefault(seq, []).append(arrived)
            except websockets.ConnectionClosed:
                pass

        listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
        # The clients are the measuring instrument: keep their own GC pauses out of the figures.
        gc.collect()
        gc.freeze()
        await asyncio.sleep(1.0)  # let every group_add settle
        committed: dict[int, float] = {}
        for seq in range(rounds):
            committed[seq] = await asyncio.to_thread(publish_round, seq)
            await asyncio.sleep(interval)
        await asyncio.sleep(2.0)  # stragglers
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*listeners, return_exceptions=True)
    finally:
        server.terminate()
        server.wait(timeout=10)

    if os.environ.get("BENCH_DEBUG"):
        for seq in sorted(received):
            times = sorted((t - committed[seq]) * 1000 for t in received[seq])
            print(seq, round(times[0], 1), round(times[len(times) // 2], 1), round(times[-1], 1))
    latencies = sorted(
        (arrived - committed[seq]) * 1000
        for seq, times in received.items()
        for arrived in times
        if seq in committed
    )
    expected = clients * rounds
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "clients": clients,
        "rounds": rounds,
        "expected": expected,
        "received": len(latencies),
        "lost": expected - len(latencies),
        "p50_ms": round(quantiles[49], 1),
        "p95_ms": round(quantiles[94], 1),
        "p99_ms": round(quantiles[98], 1),
        "min_ms": round(latencies[0], 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between publishes")
    parser.add_argument("--ws", default="websockets-sansio", help="uvicorn's websocket protocol")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = asyncio.run(run(args.clients, args.rounds, args.interval, args.ws))
    result["server_ws"] = args.ws
    print(json.dumps(result))


if __name__ == "__main__":
    main()
