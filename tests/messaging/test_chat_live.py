"""Chat over the websocket: live messages, typing, receipts, the unread badge and toasts."""

import pytest
from asgiref.sync import sync_to_async

from hms import rbac
from messaging.models import ThreadMember
from messaging.services import message_send, thread_start
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(signed_in):  # noqa: F811
    """A nurse and a lab technician with a conversation between them."""
    nurse, nurse_client = signed_in(rbac.NURSE, first_name="Joseph")
    lab, lab_client = signed_in(rbac.LAB_TECHNICIAN, first_name="Peter")
    thread = thread_start(initiator=nurse, others=[lab])
    return nurse, nurse_client, lab, lab_client, thread


async def drain(socket) -> list[str]:
    """Everything a socket has been sent until it goes quiet."""
    received = []
    while not await socket.receive_nothing(timeout=0.3):
        received.append(await socket.receive_from())
    return received


async def open_thread(client, thread):
    socket = socket_for(client, f"/ws/?topics=thread.{thread.pk}")
    connected, _ = await socket.connect()
    assert connected
    return socket


async def test_a_message_appears_in_both_open_pages_rendered_for_each(pair):
    nurse, nurse_client, lab, lab_client, thread = pair
    nurse_page = await open_thread(nurse_client, thread)
    lab_page = await open_thread(lab_client, thread)

    await sync_to_async(message_send)(sender=nurse, thread=thread, body="Sample <b>ready</b>?")

    mine = await nurse_page.receive_from()
    theirs = await lab_page.receive_from()
    assert f'hx-swap-oob="beforeend:#chat-log-{thread.pk}"' in mine
    assert "chat-mine" in mine and "chat-theirs" in theirs
    assert "Sample &lt;b&gt;ready&lt;/b&gt;?" in theirs
    await nurse_page.disconnect()
    await lab_page.disconnect()


async def test_the_receipt_turns_delivered_when_the_other_screen_gets_it(pair):
    nurse, nurse_client, lab, lab_client, thread = pair
    nurse_page = await open_thread(nurse_client, thread)
    lab_page = await open_thread(lab_client, thread)

    message = await sync_to_async(message_send)(sender=nurse, thread=thread, body="Hello")

    await nurse_page.receive_from()  # her own message
    receipt = await nurse_page.receive_from()  # his copy reached his screen
    lab_saw = await drain(lab_page)
    assert f'id="receipt-{message.pk}"' in receipt and 'data-status="delivered"' in receipt
    member = await sync_to_async(ThreadMember.objects.get)(thread=thread, user=lab)
    assert member.last_delivered_id == message.pk and member.last_read_id == 0
    assert any("Hello" in fragment for fragment in lab_saw)
    assert not any("receipt-" in fragment for fragment in lab_saw)  # receipts: sender only
    await nurse_page.disconnect()
    await lab_page.disconnect()


async def test_reading_turns_the_receipt_to_read(pair):
    nurse, nurse_client, lab, lab_client, thread = pair
    message = await sync_to_async(message_send)(sender=nurse, thread=thread, body="Hello")
    nurse_page = await open_thread(nurse_client, thread)

    await sync_to_async(lab_client.post)(f"/chat/{thread.pk}/read/", {"up_to": message.pk})

    receipt = await nurse_page.receive_from()
    assert 'data-status="read"' in receipt
    await nurse_page.disconnect()


async def test_typing_is_shown_to_the_others_only(pair):
    _nurse, nurse_client, _lab, lab_client, thread = pair
    nurse_page = await open_thread(nurse_client, thread)
    lab_page = await open_thread(lab_client, thread)

    await nurse_page.send_json_to({"typing": thread.pk})
    await nurse_page.send_json_to({"typing": thread.pk})  # throttled: one notice, not two

    notice = await lab_page.receive_from()
    assert "Joseph" in notice and "is typing" in notice and f'id="typing-{thread.pk}"' in notice
    assert await lab_page.receive_nothing(timeout=0.3)
    assert await nurse_page.receive_nothing(timeout=0.1)
    await nurse_page.disconnect()
    await lab_page.disconnect()


async def test_an_outsider_cannot_join_the_thread_or_send_typing_to_it(pair, signed_in):  # noqa: F811
    _nurse, _nc, _lab, lab_client, thread = pair
    _doctor, doctor_client = await sync_to_async(signed_in)(rbac.DOCTOR)
    lab_page = await open_thread(lab_client, thread)
    outsider = socket_for(doctor_client, f"/ws/?topics=thread.{thread.pk}")
    await outsider.connect()

    await outsider.send_json_to({"typing": thread.pk})

    assert await lab_page.receive_nothing(timeout=0.3)
    await outsider.disconnect()
    await lab_page.disconnect()


async def test_someone_elsewhere_gets_the_unread_badge_and_a_toast(pair):
    nurse, _nc, _lab, lab_client, thread = pair
    lab_elsewhere = socket_for(lab_client)  # on the dashboard, not in the thread
    await lab_elsewhere.connect()

    await sync_to_async(message_send)(sender=nurse, thread=thread, body="Call me <now>")

    badge = await lab_elsewhere.receive_from()
    toast = await lab_elsewhere.receive_from()
    assert 'id="chat-badge"' in badge and 'data-testid="chat-unread">1<' in badge
    assert "Call me &lt;now&gt;" in toast and 'hx-swap-oob="beforeend:#toasts"' in toast
    await lab_elsewhere.disconnect()


async def test_the_thread_page_sees_the_other_person_come_online_and_leave(pair):
    _nurse, nurse_client, lab, lab_client, thread = pair
    watcher = socket_for(nurse_client, f"/ws/?topics=thread.{thread.pk},presence.{lab.pk}")
    await watcher.connect()

    first_tab, second_tab = socket_for(lab_client), socket_for(lab_client)
    await first_tab.connect()
    online = await watcher.receive_from()
    await second_tab.connect()
    quiet_with_two_tabs = await watcher.receive_nothing(timeout=0.3)
    await first_tab.disconnect()
    quiet_with_one_left = await watcher.receive_nothing(timeout=0.3)
    await second_tab.disconnect()
    offline = await watcher.receive_from()

    assert f'id="presence-{lab.pk}"' in online and 'data-online="true"' in online
    assert quiet_with_two_tabs and quiet_with_one_left
    assert 'data-online="false"' in offline
    await watcher.disconnect()


async def test_presence_of_someone_one_may_not_talk_to_is_not_shown(signed_in):  # noqa: F811
    _patient, patient_client = await sync_to_async(signed_in)(rbac.PATIENT)
    nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    watcher = socket_for(patient_client, f"/ws/?topics=presence.{nurse.pk}")
    await watcher.connect()

    nurse_socket = socket_for(nurse_client)
    await nurse_socket.connect()

    assert await watcher.receive_nothing(timeout=0.3)
    await nurse_socket.disconnect()
    await watcher.disconnect()
