"""Every request, websocket and Huey task logs under an id of its own: nginx's X-Request-ID when
it is well-formed, else a new one; a page returns its id in X-Request-ID."""

import json
import logging

import pytest
from asgiref.sync import sync_to_async
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY

from hms import logs, rbac
from hms.asgi import application
from tests.conftest import sign_in
from tests.hms.log_capture import json_logs
from tests.sockets import Socket

logger = logging.getLogger(__name__)


@HUEY.task()
def say_where_you_are() -> str:
    logger.info("a task speaks")
    return logs.current_request_id()


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_page_gets_a_new_id_and_returns_it(db):
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_nginxs_id_is_kept_when_well_formed(db):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="7f3a9c1b2d4e5f60718293a4b5c6d7e8")

    assert response["X-Request-ID"] == "7f3a9c1b2d4e5f60718293a4b5c6d7e8"


@pytest.mark.parametrize(
    "offered", ["abc", "x" * 65, "an id with spaces", 'forged"}\n{"level": "ERROR', ""]
)
def test_an_ill_formed_id_is_replaced(db, offered):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


def test_the_requests_log_lines_carry_its_id(db):
    with json_logs() as captured:
        Client().get("/no-such-page/", HTTP_X_REQUEST_ID="ward-tablet-0042")
        Client().get("/healthz", HTTP_X_REQUEST_ID="not-this-one")

    not_found = [line for line in lines(captured) if line["message"].startswith("Not Found")]
    assert [line["request_id"] for line in not_found] == ["ward-tablet-0042"]


@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
)
def test_a_views_own_lines_carry_the_id_and_it_is_gone_after(db):
    with json_logs(logging.INFO) as captured:
        # The health check logs the channel layer that does not answer.
        Client().get("/healthz", HTTP_X_REQUEST_ID="page-request-1")

    failing = [line for line in lines(captured) if "channel layer check failed" in line["message"]]
    assert [line["request_id"] for line in failing] == ["page-request-1"]
    assert logs.current_request_id() == logs.NO_REQUEST


@pytest.mark.django_db(transaction=True)
async def test_a_websockets_lines_carry_its_handshakes_id(make_user):
    user = await sync_to_async(make_user)(rbac.NURSE)
    client = await sync_to_async(sign_in)(Client(), user)
    await sync_to_async(client.get)("/dashboard/")
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        (b"x-request-id", b"socket-handshake-7"),
    ]

    with json_logs(logging.INFO) as captured:
        socket = Socket(application, "/ws/?topics=audit", headers=headers)
        assert (await socket.connect())[0]
        await socket.disconnect()

    refused = [line for line in lines(captured) if "refused topic" in line["message"]]
    assert [line["request_id"] for line in refused] == ["socket-handshake-7"]


def test_a_task_logs_under_its_own_id_and_gives_the_page_its_id_back():
    token = logs.bind_request_id("page-request-2")
    try:
        with json_logs(logging.INFO) as captured:
            seen_by_task = say_where_you_are()()  # immediate in tests: runs here, now
        after = logs.current_request_id()
    finally:
        logs.unbind_request_id(token)

    spoken = [line for line in lines(captured) if line["message"] == "a task speaks"]
    assert seen_by_task.startswith("task-") and len(seen_by_task) == len("task-") + 36
    assert [line["request_id"] for line in spoken] == [seen_by_task]
    assert after == "page-request-2"
