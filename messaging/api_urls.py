"""The messaging part of the JSON API (/api/v1/)."""

from django.urls import path

from messaging import api

urlpatterns = [
    path("me/notifications/", api.MyNotifications.as_view(), name="api_my_notifications"),
    path(
        "me/notifications/<int:pk>/read/",
        api.NotificationRead.as_view(),
        name="api_notification_read",
    ),
    path("chat/threads/", api.MyThreads.as_view(), name="api_chat_threads"),
    path("chat/threads/<int:pk>/messages/", api.ThreadMessages.as_view(), name="api_chat_messages"),
]
