"""Events raised inside background tasks reach browsers in the embedded mode: the Huey consumer
runs in the server process (manage.py serve), so the in-memory channel layer carries them."""

import signal

import pytest
from asgiref.sync import sync_to_async
from huey import SqliteHuey
from huey.consumer import Consumer

from hms import rbac, realtime
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_task_run_by_an_in_process_consumer_reaches_the_socket(signed_in, tmp_path):  # noqa: F811
    user, client = await sync_to_async(signed_in)(rbac.NURSE)
    # The embedded mode's arrangement: SqliteHuey, a thread consumer in this process.
    huey = SqliteHuey(filename=str(tmp_path / "tasks.sqlite3"))

    @huey.task()
    def tell(user_id: int) -> None:
        realtime.send_now(
            realtime.user_group(user_id),
            {"type": "fragment", "html": '<div id="t" hx-swap-oob="true">from a task</div>'},
        )

    consumer = Consumer(huey, workers=1, worker_type="thread", max_delay=0.1)
    socket = socket_for(client)
    await socket.connect()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()  # in the main thread, as `serve` does (it installs signal handlers)
    try:
        await sync_to_async(tell)(user.pk)

        received = await socket.receive_from(timeout=10)
    finally:
        consumer.stop(graceful=False)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        await socket.disconnect()

    assert "from a task" in received
