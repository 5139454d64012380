"""Synchronous code (a gunicorn worker, a Huey task, a request in the test client) sends its live
events through one long-lived event loop per process (hms.realtime): every message arrives, in
order, and sending does not start a thread (or, with Redis, open a connection) per message."""

import asyncio
import threading

from channels.layers import get_channel_layer

from hms import realtime


def test_messages_sent_from_synchronous_code_arrive_in_order_through_one_sender(monkeypatch):
    started = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self) or start(self))
    layer = get_channel_layer()
    channel = realtime.run_on_layer_loop(layer.new_channel())
    realtime.run_on_layer_loop(layer.group_add("test-sender", channel))
    threads_before = len(started)  # the sender's own, if this process had none yet
    try:
        for number in range(20):
            assert realtime.send_now("test-sender", {"type": "fragment", "html": str(number)})
        received = [realtime.run_on_layer_loop(layer.receive(channel))["html"] for _ in range(20)]
    finally:
        realtime.run_on_layer_loop(layer.group_discard("test-sender", channel))

    assert received == [str(number) for number in range(20)]
    assert len(started) == threads_before  # no thread (and no event loop) per message


def test_a_failing_layer_is_reported_not_raised(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},  # nothing listens on port 1
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    try:
        assert realtime.send_now("test-sender", {"type": "fragment", "html": "x"}) is False
    finally:
        channel_layers.backends.pop("default", None)


def test_a_message_sent_from_a_thread_whose_own_loop_runs_arrives():
    """Synchronous code called inside async code (in the browser tests: a factory under
    Playwright's synchronous API) cannot wait for the send there: it is handed over, and it
    arrives, where asgiref used to refuse it and the message was lost."""
    layer = get_channel_layer()
    channel = realtime.run_on_layer_loop(layer.new_channel())
    realtime.run_on_layer_loop(layer.group_add("test-handed-over", channel))

    async def synchronous_code_inside_a_loop() -> bool:
        return realtime.send_now("test-handed-over", {"type": "fragment", "html": "bed 5"})

    try:
        assert asyncio.run(synchronous_code_inside_a_loop())
        received = realtime.run_on_layer_loop(layer.receive(channel))
    finally:
        realtime.run_on_layer_loop(layer.group_discard("test-handed-over", channel))

    assert received["html"] == "bed 5"
