"""The API's websocket (/ws/api/): a mobile app signed in by its access token hears of new chat
messages and of other changes for its user; no token, a bad one or another user's is refused;
the socket ends with its token unless the app renews it."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services as accounts
from hms.asgi import application
from messaging import services as messaging
from messaging.consumers import CLOSE_SIGNED_OUT
from messaging.models import ThreadMember
from tests.api.conftest import tokens_for
from tests.factories import AppointmentFactory
from tests.sockets import Socket

pytestmark = pytest.mark.django_db(transaction=True)

NOTIFICATIONS = "/api/v1/me/notifications/"


def app_socket(access: str | None) -> Socket:
    """The socket as a mobile app opens it: no Origin, no cookie, the token in the handshake."""
    headers = [(b"host", b"localhost")]
    if access is not None:
        headers.append((b"authorization", f"Bearer {access}".encode()))
    return Socket(application, "/ws/api/", headers=headers)


@pytest.fixture
def conversation(staff):
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    return messaging.thread_start(initiator=staff.doctor, others=[staff.patient_user])


async def test_the_patients_app_hears_the_doctors_message_and_it_is_marked_delivered(
    staff, conversation
):
    access = (await sync_to_async(tokens_for)(staff.patient_user))["access"]
    socket = app_socket(access)
    connected, _ = await socket.connect()
    assert connected

    message = await sync_to_async(messaging.message_send)(
        sender=staff.doctor, thread=conversation, body="Your results are back"
    )
    event = await socket.receive_json_from(timeout=5)

    assert event["type"] == "chat.message" and event["thread_id"] == conversation.pk
    assert event["message"]["body"] == "Your results are back"
    assert event["message"]["sender"]["name"] == "Amina Odhiambo"
    member = await sync_to_async(ThreadMember.objects.get)(
        thread=conversation, user=staff.patient_user
    )
    assert member.last_delivered_id == message.pk
    await socket.disconnect()


async def test_a_notification_arrives_as_the_api_lists_it_with_the_bells_counts(staff, api_for):
    socket = app_socket((await sync_to_async(tokens_for)(staff.nurse))["access"])
    assert (await socket.connect())[0]

    await sync_to_async(messaging.notify)(staff.nurse, "Bed 4 needs cleaning")
    event = await socket.receive_json_from(timeout=5)
    listed = await sync_to_async(lambda: api_for(staff.nurse).get(NOTIFICATIONS).json())()

    assert event == {
        "type": "notification",
        "notification": listed["results"][0],
        "unread_count": 1,
        "urgent_waiting": 0,
    }
    assert event["notification"]["text"] == "Bed 4 needs cleaning"

    await sync_to_async(messaging.notification_mark_read)(
        user=staff.nurse, notification_id=event["notification"]["id"]
    )
    assert (await socket.receive_json_from(timeout=5)) == {
        "type": "notifications.count",
        "unread_count": 0,
        "urgent_waiting": 0,
    }
    await socket.disconnect()


async def test_reading_the_chat_elsewhere_sends_the_unread_count(staff, conversation):
    message = await sync_to_async(messaging.message_send)(
        sender=staff.doctor, thread=conversation, body="Your results are back"
    )
    socket = app_socket((await sync_to_async(tokens_for)(staff.patient_user))["access"])
    assert (await socket.connect())[0]

    await sync_to_async(messaging.thread_mark_read)(
        user=staff.patient_user, thread_id=conversation.pk, up_to_id=message.pk
    )

    assert (await socket.receive_json_from(timeout=5)) == {"type": "chat.unread", "count": 0}
    await socket.disconnect()


async def test_no_token_a_bad_one_or_an_expired_one_is_refused(staff):
    expired = await sync_to_async(AccessToken.for_user)(staff.nurse)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    for access in (None, "not-a-token", str(expired)):
        connected, code = await app_socket(access).connect()
        assert not connected and code == CLOSE_SIGNED_OUT, access


async def test_a_deactivated_account_is_closed_at_once(staff):
    socket = app_socket((await sync_to_async(tokens_for)(staff.nurse))["access"])
    assert (await socket.connect())[0]

    await sync_to_async(accounts.user_set_active)(actor=staff.admin, user=staff.nurse, active=False)

    assert (await socket.receive_output(timeout=5))["code"] == CLOSE_SIGNED_OUT


async def test_the_socket_ends_with_its_token_unless_the_app_renews_it(staff):
    short = await sync_to_async(AccessToken.for_user)(staff.nurse)
    short.set_exp(lifetime=timedelta(seconds=2))
    renewed = await sync_to_async(AccessToken.for_user)(staff.nurse)
    someone_else = await sync_to_async(AccessToken.for_user)(staff.doctor)

    kept = app_socket(str(short))
    assert (await kept.connect())[0]
    await kept.send_json_to({"token": str(renewed)})
    assert await kept.receive_nothing(timeout=3)  # past the first token's end, still open
    await kept.disconnect()

    another_short = await sync_to_async(AccessToken.for_user)(staff.nurse)
    another_short.set_exp(lifetime=timedelta(seconds=2))
    lapsed = app_socket(str(another_short))
    assert (await lapsed.connect())[0]
    assert (await lapsed.receive_output(timeout=5))["code"] == CLOSE_SIGNED_OUT

    swapped = app_socket(str(renewed))
    assert (await swapped.connect())[0]
    await swapped.send_json_to({"token": str(someone_else)})
    assert (await swapped.receive_output(timeout=5))["code"] == CLOSE_SIGNED_OUT
