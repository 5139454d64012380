"""The tests' websocket: channels' WebsocketCommunicator, given time to be answered.

Its `connect` waits one second by default; on a loaded CI machine (both suites' workers, the
browser tests, PostgreSQL and Redis on two cores) the handshake's database reads once took
longer, and a socket that would have opened failed the test (session 20's CI). Waiting longer
changes nothing a test asserts: a refused socket is answered at once, an accepted one as soon as
the consumer accepts it."""

from channels.testing import WebsocketCommunicator

CONNECT_SECONDS = 10


class Socket(WebsocketCommunicator):
    async def connect(self, timeout: float = CONNECT_SECONDS):
        return await super().connect(timeout=timeout)
