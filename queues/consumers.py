"""The waiting-area TV's socket, at /ws/display/<token>/: no sign-in, the display's token is its
key. It joins only the displays' group (signals that a number was called; no names travel), is
refused for a wrong or switched-off token, and closes when the token is switched off (checked at
every heartbeat, as the signed-in socket checks its session)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from hms.monitoring import CountedSocketMixin
from queues import live, selectors

# The page's script (static/js/hms.js) reloads on this code; the reloaded page is then a 404.
CLOSE_REVOKED = 4401


def _token_is_live(token: str) -> bool:
    return selectors.display_for(token) is not None


class DisplayConsumer(CountedSocketMixin, AsyncWebsocketConsumer):
    socket_label = "display"

    async def connect(self):
        self.token = self.scope["url_route"]["kwargs"].get("token", "")
        self.joined = False
        if not await database_sync_to_async(_token_is_live)(self.token):
            await self.close()
            return
        await self.channel_layer.group_add(live.DISPLAYS_GROUP, self.channel_name)
        self.joined = True
        await self.accept()

    async def disconnect(self, code):
        if self.joined:
            await self.channel_layer.group_discard(live.DISPLAYS_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # The page's heartbeat ({"ping": 1}); anything else a TV could send is ignored.
        if not await database_sync_to_async(_token_is_live)(self.token):
            await self.close(code=CLOSE_REVOKED)

    async def fragment(self, event):
        await self.send(text_data=event["html"])
