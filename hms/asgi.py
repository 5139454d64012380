"""ASGI entry point: pages over HTTP, the one websocket per tab at /ws/, and the waiting-area
TVs' sockets at /ws/display/<token>/ (queues.consumers: a display token instead of a session).

The API's socket at /ws/api/ (messaging.consumers.ApiConsumer) is signed in by an access token
in its handshake instead. The page sockets' stack checks that the Origin is this very site (scheme, host and port:
hms.websocket_origin) and loads the session user, as the Channels docs recommend; the consumer
itself refuses anyone a page would refuse.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from hms.websocket_origin import SameOriginValidator  # noqa: E402
from messaging.routing import (  # noqa: E402  (the entry point wires apps)
    api_websocket_urlpatterns,
    websocket_urlpatterns,
)
from queues.routing import websocket_urlpatterns as display_urlpatterns  # noqa: E402

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# full passes, which otherwise pause every socket of this process (measured: docs/BENCHMARKS.md).
gc.freeze()

# The API's socket carries its token in the handshake, never a cookie, so a page elsewhere
# cannot borrow it: no Origin check (a mobile app sends none) and no session.
_api_sockets = URLRouter(api_websocket_urlpatterns)
_page_sockets = SameOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns + display_urlpatterns))
)


async def _websocket(scope, receive, send):
    router = _api_sockets if scope.get("path", "").startswith("/ws/api/") else _page_sockets
    return await router(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": _websocket})
