"""The messaging part of the JSON API (/api/v1/): notifications and chat.

    GET  /api/v1/me/notifications/                 mine, newest first
    POST /api/v1/me/notifications/<id>/read/       mark one read
    GET  /api/v1/chat/threads/                     my conversations, latest first
    GET  /api/v1/chat/threads/<id>/messages/       a conversation's messages, newest first
    POST /api/v1/chat/threads/<id>/messages/       send one: {"body"}

New messages and notifications also arrive live over the websocket (/ws/live/) as on the
screens.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hms import rbac
from hms.api import CursorPage
from messaging import selectors, services
from messaging.models import Message, Notification, Thread


class NotificationRow(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "text", "kind", "urgent", "created_at", "read_at", "acknowledged_at"]


class MyNotifications(ListAPIView):
    capability = rbac.SIGNED_IN
    serializer_class = NotificationRow

    class Page(CursorPage):
        ordering = ("-created_at", "-id")

    pagination_class = Page

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)


class NotificationRead(APIView):
    """Mark one of my notifications read (refreshing my bell on the screens)."""

    capability = rbac.SIGNED_IN

    @extend_schema(request=None, responses=NotificationRow)
    def post(self, request, pk: int):
        try:
            notification = services.notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist as missing:
            raise exceptions.NotFound("No notification of yours has that id.") from missing
        return Response(NotificationRow(notification).data)


class ThreadRow(serializers.ModelSerializer):
    with_people = serializers.SerializerMethodField()
    last_message = serializers.CharField(source="last_body", allow_null=True)
    unread = serializers.IntegerField()

    class Meta:
        model = Thread
        fields = ["id", "with_people", "last_message", "last_message_at", "unread"]

    def get_with_people(self, thread: Thread) -> list[dict]:
        return [{"id": m.user_id, "name": str(m.user)} for m in thread.others]


class MyThreads(ListAPIView):
    capability = "chat.use"
    serializer_class = ThreadRow

    class Page(CursorPage):
        # threads_of orders by the last message; a cursor needs a column: newest thread first.
        ordering = ("-id",)

    pagination_class = Page

    def get_queryset(self):
        return selectors.threads_of(self.request.user).order_by("-id")


class MessageRow(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "sender", "body", "created_at"]

    def get_sender(self, message: Message) -> dict:
        return {"id": message.sender_id, "name": str(message.sender)}


class SendRequest(serializers.Serializer):
    body = serializers.CharField(max_length=Message.BODY_LIMIT, trim_whitespace=True)


class ThreadMessages(ListAPIView):
    """A conversation of mine: its messages newest first (GET), or send one (POST). Someone
    else's conversation answers 404."""

    capability = "chat.use"
    serializer_class = MessageRow

    class Page(CursorPage):
        ordering = ("-id",)

    pagination_class = Page

    def _thread(self) -> Thread:
        thread = selectors.thread_for(self.request.user, self.kwargs["pk"])
        if thread is None:
            raise exceptions.NotFound("No conversation of yours has that id.")
        return thread

    def get_queryset(self):
        return Message.objects.filter(thread=self._thread()).select_related("sender")

    @extend_schema(request=SendRequest, responses={201: MessageRow})
    def post(self, request, pk: int):
        thread = self._thread()
        given = SendRequest(data=request.data)
        given.is_valid(raise_exception=True)
        message = services.message_send(
            sender=request.user, thread=thread, body=given.validated_data["body"]
        )
        return Response(MessageRow(message).data, status=201)
