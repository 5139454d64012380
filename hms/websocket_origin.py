"""The websocket's same-origin check: the page that opens /ws/ must come from this very site.

Channels' AllowedHostsOriginValidator compares only the Origin's host name with ALLOWED_HOSTS, so
a page on another port or scheme of the same host (`http://localhost:9999`) could open a socket
with a signed-in user's cookie. Here the Origin must equal the socket's own origin, scheme, host
and port, as a browser's same-origin rule has it (or be listed in CSRF_TRUSTED_ORIGINS, the
origins a proxy setup already vouches for), and the host must be one of ALLOWED_HOSTS.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_key(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    return scheme, host.lower().rstrip("."), port or DEFAULT_PORTS.get(scheme, 0)


def parse_origin(value: str) -> tuple[str, str, int] | None:
    """('https', 'hms.example', 443) for an Origin header; None for "null" or garbage."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return _origin_key(parts.scheme, parts.hostname, port)


def socket_origin(scope: dict) -> tuple[str, str, int] | None:
    """The origin a page of this site has, seen from the socket's own request: its Host header
    and scheme (https behind the TLS proxy when SECURE_PROXY_SSL_HEADER says so)."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin1")
    hostname, port = split_domain_port(host)
    if not hostname or not validate_host(hostname, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header  # e.g. ("HTTP_X_FORWARDED_PROTO", "https")
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        forwarded = headers.get(header, b"").decode("latin1").split(",")[0].strip()
        if forwarded == secure_value:
            scheme = "https"
    return _origin_key(scheme, hostname, int(port) if port.isdecimal() else None)


def origin_allowed(scope: dict) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = parse_origin(headers.get(b"origin", b"").decode("latin1"))
    if origin is None:
        return False
    own = socket_origin(scope)
    if own is None:
        return False
    trusted = {parse_origin(value) for value in settings.CSRF_TRUSTED_ORIGINS}
    return origin == own or origin in trusted


class SameOriginValidator:
    """ASGI middleware for the websocket route: refuse (close before accept) a socket whose
    Origin is not this site."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator guards websocket connections only.")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
