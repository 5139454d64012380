"""Websocket routes: one socket per tab (session), and the API's (a token)."""

from django.urls import path

from messaging.consumers import ApiConsumer, LiveConsumer

websocket_urlpatterns = [path("ws/", LiveConsumer.as_asgi())]
# Signed in by the access token in its handshake, not a cookie: outside the Origin check and the
# session middleware (hms/asgi.py).
api_websocket_urlpatterns = [path("ws/api/", ApiConsumer.as_asgi())]
