"""Websocket routes of the queue: the waiting-area TV's own socket (no sign-in)."""

from django.urls import path

from queues.consumers import DisplayConsumer

websocket_urlpatterns = [path("ws/display/<str:token>/", DisplayConsumer.as_asgi())]
