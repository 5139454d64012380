"""The one websocket of every signed-in tab, at /ws/.

It refuses anonymous, inactive, idle or half-signed-in (second factor pending) sessions; joins
`user.<id>` and `role.<role>`; joins the topics the page asks for (`/ws/?topics=beds,thread.4`)
only when messaging.topics allows them; delivers the fragments services publish; and closes when
its session ends (sign-out, deactivation, idle logoff: checked again at every heartbeat).
"""

import asyncio
import json
import logging
import time
from importlib import import_module
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.backends import has_confirmed_device
from hms import params
from hms.middleware import LAST_ACTIVITY_KEY
from hms.monitoring import CountedSocketMixin
from hms.realtime import remember_server_loop, role_group, user_group
from messaging import presence, topics
from messaging import services as chat
from messaging.services import thread_group

logger = logging.getLogger(__name__)

# Close codes the page understands (static/js/hms.js): the session is over, go to sign-in.
CLOSE_SIGNED_OUT = 4401
# "Try again later": the page shows "Offline" and its socket reconnects by itself, with back-off
# (the htmx ws extension retries on 1006, 1011, 1012 and 1013 only).
CLOSE_LAYER_DOWN = 1013
LAYER_CHECK_SECONDS = 2
TYPING_THROTTLE_SECONDS = 2


def session_is_live(user, session) -> bool:
    """The same rules a page request meets: active user, not idle, second factor passed."""
    if not user.is_authenticated or not user.is_active or not session.session_key:
        return False
    if not session.exists(session.session_key):
        return False
    last = session.get(LAST_ACTIVITY_KEY)
    if last is not None and time.time() - last > settings.IDLE_TIMEOUT_SECONDS:
        return False
    needs_factor = user.second_factor_required or has_confirmed_device(user)
    return not needs_factor or bool(session.get(DEVICE_ID_SESSION_KEY))


def _reload_session(session_key: str):
    """Read the session afresh from its store (it may have been flushed or aged since connect)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    store.load()
    return store


class LiveConsumer(CountedSocketMixin, AsyncWebsocketConsumer):
    socket_label = "live"

    async def connect(self):
        remember_server_loop(asyncio.get_running_loop())
        self.user = self.scope.get("user")
        self.joined: list[str] = []
        session = self.scope.get("session")
        if self.user is None or session is None:
            await self.close()
            return
        if not await database_sync_to_async(session_is_live)(self.user, session):
            await self.close()
            return
        self.session_key = session.session_key
        self.joined = [user_group(self.user.pk), role_group(self.user.role)]
        self.threads: set[int] = set()
        self.last_typing_at = 0.0
        query = parse_qs(self.scope.get("query_string", b"").decode())
        for topic in topics.parse(",".join(query.get("topics", []))):
            if await database_sync_to_async(topics.allowed)(self.user, topic):
                self.joined.append(topic)
                if topic.startswith("thread."):
                    self.threads.add(params.db_id(topic.split(".", 1)[1]))
            else:
                logger.info("ws: user %s refused topic %s", self.user.pk, topic)
        if not await self._layer_answers():
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        if await presence.socket_seen(self.user.pk, self.channel_name) == 1:
            await self._announce_presence(online=True)
        await self.accept()

    async def disconnect(self, code):
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.joined and await presence.socket_closed(self.user.pk, self.channel_name) == 0:
            await self._announce_presence(online=False)

    async def _announce_presence(self, *, online: bool) -> None:
        """First socket opened or last one closed: tell the pages watching this person."""
        html = render_to_string(
            "messaging/presence.html", {"person_id": self.user.pk, "online": online, "oob": True}
        )
        await self.channel_layer.group_send(
            f"presence.{self.user.pk}", {"type": "fragment", "html": html}
        )

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "{}")
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if "ping" in message:
            await self._heartbeat()
        elif "typing" in message:
            await self._typing(message["typing"])

    async def _typing(self, thread_id) -> None:
        """Tell the others in an open thread that this user is typing (at most every 2 s)."""
        thread_id = params.db_id(thread_id)  # JSON may carry 1e999, true or "²": not an id
        now = time.monotonic()
        if thread_id not in self.threads or now - self.last_typing_at < TYPING_THROTTLE_SECONDS:
            return
        self.last_typing_at = now
        await self.channel_layer.group_send(
            thread_group(thread_id),
            {
                "type": "chat.typing",
                "thread_id": thread_id,
                "user_id": self.user.pk,
                "name": str(self.user),
            },
        )

    async def _heartbeat(self):
        live = await database_sync_to_async(self._still_live)()
        if not live:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        if not await self._layer_answers():
            # Events cannot reach this socket (Redis down): say so on the page rather than let
            # it look live while it misses them; it reconnects, and resyncs, when Redis is back.
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        await presence.socket_seen(self.user.pk, self.channel_name)

    async def _layer_answers(self) -> bool:
        """Whether the channel layer takes a message now: a no-op sent to this very socket (with
        Redis, a publish: it fails at once when Redis is down, or after LAYER_CHECK_SECONDS)."""
        try:
            await asyncio.wait_for(
                self.channel_layer.send(self.channel_name, {"type": "layer.check"}),
                LAYER_CHECK_SECONDS,
            )
        except Exception as error:  # Redis down or unreachable: that is the answer
            logger.warning("ws: the channel layer did not take a message: %r", error)
            return False
        return True

    async def layer_check(self, event):
        """The no-op of _layer_answers coming back: nothing to do."""

    def _still_live(self) -> bool:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=self.user.pk).first()
        session = _reload_session(self.session_key)
        return user is not None and session_is_live(user, session)

    # --- events from the channel layer (handler name = event type) ----------------------------

    async def fragment(self, event):
        await self.send(text_data=event["html"])

    async def chat_message(self, event):
        message = event["message"]
        html = render_to_string(
            "messaging/chat_message_live.html",
            {"message": message, "thread_id": event["thread_id"], "me": self.user.pk},
        )
        await self.send(text_data=html)
        if message["sender_id"] != self.user.pk:
            await self._delivered(event["thread_id"], message["id"])

    async def chat_notice(self, event):
        await self.send(text_data=event["badge"])
        if event["thread_id"] not in self.threads:
            await self.send(text_data=event["toast"])
        await self._delivered(event["thread_id"], event["message_id"])

    async def chat_typing(self, event):
        if event["user_id"] != self.user.pk and event["thread_id"] in self.threads:
            html = render_to_string("messaging/chat_typing.html", event)
            await self.send(text_data=html)

    async def chat_receipt(self, event):
        mine = event["by_sender"].get(str(self.user.pk))
        if mine and event["thread_id"] in self.threads:
            html = render_to_string("messaging/chat_receipts.html", {"receipts": mine})
            await self.send(text_data=html)

    async def _delivered(self, thread_id: int, message_id: int) -> None:
        await database_sync_to_async(chat.thread_mark_delivered)(
            user=self.user, thread_id=thread_id, up_to_id=message_id
        )

    async def session_end(self, event):
        if not event.get("session_key") or event["session_key"] == self.session_key:
            await self.close(code=CLOSE_SIGNED_OUT)


def _notification_for(user, notification_id: int) -> dict | None:
    """One of `user`'s notifications as /api/v1/me/notifications/ lists it; None otherwise."""
    from messaging.api import NotificationRow
    from messaging.models import Notification

    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    return None if notification is None else dict(NotificationRow(notification).data)


def _message_for(user, message_id: int) -> dict | None:
    """A message of a conversation `user` is in, as the API shows it; None otherwise."""
    from messaging.models import Message

    message = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, thread__members__user=user)
        .first()
    )
    if message is None:
        return None
    return {
        "message": {
            "id": message.pk,
            "sender": {"id": message.sender_id, "name": str(message.sender)},
            "body": message.body,
            "created_at": message.created_at.isoformat(),
        }
    }


def _token_user(access: str):
    """The active user a valid, unexpired access token (the API's, simplejwt) was issued to, and
    the token's expiry (Unix time); (None, 0) otherwise (also after a password change)."""
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

    authentication = JWTAuthentication()
    try:
        token = authentication.get_validated_token(access)
        user = authentication.get_user(token)
    except (InvalidToken, AuthenticationFailed):
        return None, 0
    return user, int(token["exp"])


class ApiConsumer(CountedSocketMixin, AsyncWebsocketConsumer):
    """The API's websocket, at /ws/api/, for a mobile app: signed in by its access token in the
    handshake's `Authorization: Bearer <access>` header (no cookie, so no Origin check is
    needed), it sends JSON events for the user, each with a "type": `chat.message` (a message in
    one of their conversations, as /api/v1/chat/… returns it), `chat.unread` (their unread
    messages' count), `notification` (a new one, as /api/v1/me/notifications/ lists it, with
    the bell's counts), `notifications.count`, `notifications.acknowledged` (an urgent one
    settled, by whom), and `changed` (anything else of theirs: read it again through the API).
    docs/API.md lists them. Each chat message it sends is marked delivered, as an open page does.

    The socket lives as long as its access token: before it runs out the app sends
    {"token": "<new access token>"} of the same user to go on; otherwise the socket closes with
    4401 and the app reconnects with a fresh token. A deactivated account is closed at once."""

    socket_label = "api"

    async def connect(self):
        remember_server_loop(asyncio.get_running_loop())
        self.joined: list[str] = []
        headers = dict(self.scope.get("headers") or [])
        scheme, _, access = headers.get(b"authorization", b"").decode("latin1").partition(" ")
        user, expires = (
            await database_sync_to_async(_token_user)(access.strip())
            if scheme.lower() == "bearer"
            else (None, 0)
        )
        if user is None:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.user = user
        self.expires = expires
        self.joined = [user_group(user.pk)]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.expiry = asyncio.create_task(self._close_at_expiry())

    async def _close_at_expiry(self) -> None:
        while (left := self.expires - time.time()) > 0:
            await asyncio.sleep(min(left, 30))
        await self.close(code=CLOSE_SIGNED_OUT)

    async def disconnect(self, code):
        if getattr(self, "expiry", None) is not None:
            self.expiry.cancel()
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "{}")
        except ValueError:
            return
        if not isinstance(message, dict) or not isinstance(message.get("token"), str):
            return
        user, expires = await database_sync_to_async(_token_user)(message["token"])
        if user is None or user.pk != self.user.pk:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.expires = expires

    async def _send_json(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event))

    async def fragment(self, event):
        """A change the pages get as HTML: sent as its JSON event (hms.realtime.publish's
        `api_event`; a new notification as the API lists it), or {"type": "changed"}."""
        api_event = event.get("api")
        if api_event is None:
            await self._send_json({"type": "changed"})
        elif api_event["type"] == "notification":
            row = await database_sync_to_async(_notification_for)(self.user, api_event["id"])
            if row is not None:
                counts = {k: v for k, v in api_event.items() if k not in ("type", "id")}
                await self._send_json({"type": "notification", "notification": row, **counts})
        else:
            await self._send_json(api_event)

    async def chat_notice(self, event):
        """A new message for this user (services tell each member's user group): sent as the
        API shows messages, and marked delivered, as an open page does."""
        found = await database_sync_to_async(_message_for)(self.user, event["message_id"])
        if found is None:
            return
        await self._send_json({"type": "chat.message", "thread_id": event["thread_id"], **found})
        await database_sync_to_async(chat.thread_mark_delivered)(
            user=self.user, thread_id=event["thread_id"], up_to_id=event["message_id"]
        )

    async def chat_typing(self, event):
        """Typing notices are for open chat pages."""

    async def chat_receipt(self, event):
        """Receipts are read through the API."""

    async def layer_check(self, event):
        """Not used by this socket."""

    async def session_end(self, event):
        # A sign-out ends its own browser session only; deactivation (no session named) ends all.
        if not event.get("session_key"):
            await self.close(code=CLOSE_SIGNED_OUT)
