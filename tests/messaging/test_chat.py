"""Chat: who may talk with whom, storing and paging messages, receipts and unread counts."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from messaging import rules, services
from messaging.models import Message, Thread, ThreadMember
from messaging.services import ChatError, message_send, thread_start
from tests.factories import AppointmentFactory

XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<div hx-get="/users/" hx-trigger="load">click</div>',
]


def thread_between(a, b) -> Thread:
    return thread_start(initiator=a, others=[b])


# --- the rules -----------------------------------------------------------------------------


def test_staff_talk_with_staff(staff):
    thread = thread_between(staff.nurse, staff.lab_technician)

    message = message_send(sender=staff.lab_technician, thread=thread, body="Sample received")

    assert Message.objects.get(pk=message.pk).body == "Sample received"


@pytest.mark.parametrize(
    ("initiator", "other", "reason"),
    [
        ("patient_user", "doctor", "only the doctors looking after you"),
        ("patient_user", "admin", "only the doctors looking after you"),
        ("patient_user", "nurse", "only the doctors looking after you"),
        ("nurse", "patient_user", "Only Mary"),
        ("doctor", "patient_user", "Only Mary"),  # not (yet) assigned: no appointment, no admission
    ],
)
def test_a_conversation_the_rules_forbid_is_refused_and_nothing_is_stored(
    staff, initiator, other, reason
):
    with pytest.raises(ChatError, match=reason):
        thread_start(initiator=getattr(staff, initiator), others=[getattr(staff, other)])

    assert not Thread.objects.exists()


def test_admin_may_write_to_a_patient_and_the_patient_may_answer(staff):
    thread = thread_between(staff.admin, staff.patient_user)

    reply = message_send(sender=staff.patient_user, thread=thread, body="Thank you")

    assert reply.pk


def test_nobody_can_write_to_a_deactivated_colleague(staff):
    thread = thread_between(staff.nurse, staff.lab_technician)
    staff.lab_technician.is_active = False
    staff.lab_technician.save()

    with pytest.raises(ChatError, match="no longer has an account"):
        message_send(sender=staff.nurse, thread=thread, body="Hello?")

    assert not Message.objects.exists()


def test_starting_again_with_the_same_person_reopens_the_conversation(staff):
    first = thread_between(staff.nurse, staff.doctor)

    again = thread_between(staff.doctor, staff.nurse)

    assert again.pk == first.pk


def test_the_picker_lists_only_people_one_may_write_to(staff):
    nurse_sees = set(rules.contactable(staff.nurse))
    admin_sees = set(rules.contactable(staff.admin))

    assert staff.patient_user not in nurse_sees and staff.doctor in nurse_sees
    assert staff.patient_user in admin_sees
    assert list(rules.contactable(staff.patient_user)) == []


def test_the_picker_page_filters_by_name(staff, client_for):
    page = client_for(staff.nurse).get(reverse("chat_picker"), {"q": "amin"}).content.decode()

    assert "Amina" in page and "Peter" not in page and "Mary" not in page


# --- sending -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [("   ", "Write a message first"), ("x" * 2001, "limited to 2000 characters")],
)
def test_empty_and_overlong_messages_are_refused(staff, body, reason):
    thread = thread_between(staff.nurse, staff.lab_technician)

    with pytest.raises(ChatError, match=reason):
        message_send(sender=staff.nurse, thread=thread, body=body)

    assert not Message.objects.exists()


def test_someone_outside_the_conversation_cannot_post_or_read_it(staff, client_for):
    thread = thread_between(staff.nurse, staff.lab_technician)
    message_send(sender=staff.nurse, thread=thread, body="Private note")
    outsider = client_for(staff.doctor)

    posted = outsider.post(reverse("chat_send", args=[thread.pk]), {"body": "Let me in"})
    viewed = outsider.get(reverse("chat_thread", args=[thread.pk]))
    older = outsider.get(reverse("chat_older", args=[thread.pk]))

    assert posted.status_code == viewed.status_code == older.status_code == 404
    assert Message.objects.count() == 1
    with pytest.raises(ChatError):
        message_send(sender=staff.doctor, thread=thread, body="Let me in")


def test_sending_too_fast_is_refused_with_a_clear_message(staff):
    thread = thread_between(staff.nurse, staff.lab_technician)
    # The clock stands still inside one limit window (a fixed window: a real clock could cross
    # into the next window between the last allowed message and the one too many).
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC), tick=False):
        for n in range(services.SEND_LIMIT):
            message_send(sender=staff.nurse, thread=thread, body=f"Message {n}")

        with pytest.raises(ChatError, match="too quickly"):
            message_send(sender=staff.nurse, thread=thread, body="One more")

    assert Message.objects.count() == services.SEND_LIMIT


def test_the_send_form_shows_a_refusal_and_keeps_the_text(staff, client_for):
    thread = thread_between(staff.nurse, staff.lab_technician)
    client = client_for(staff.nurse)

    response = client.post(
        reverse("chat_send", args=[thread.pk]),
        {"body": "y" * 2001},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert response.status_code == 200 and "limited to 2000 characters" in page
    assert "y" * 2001 in page
    assert not Message.objects.exists()


@pytest.mark.parametrize("payload", XSS)
def test_message_text_is_escaped_everywhere_it_appears(staff, client_for, payload):
    thread = thread_between(staff.nurse, staff.lab_technician)
    message_send(sender=staff.nurse, thread=thread, body=payload)
    client = client_for(staff.lab_technician)

    pages = [
        client.get(reverse("chat_thread", args=[thread.pk])).content.decode(),
        client.get(reverse("chat_list")).content.decode(),
        services.realtime.render_fragment(
            "messaging/chat_toast.html",
            {"message": Message.objects.get(), "sender": staff.nurse},
        ),
    ]

    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert '<div hx-get="/users/"' not in page


# --- paging, receipts, unread --------------------------------------------------------------


def test_history_pages_backwards_from_the_newest(staff, client_for):
    thread = thread_between(staff.nurse, staff.lab_technician)
    Message.objects.bulk_create(
        [Message(thread=thread, sender=staff.nurse, body=f"m{n:03d}") for n in range(75)]
    )
    client = client_for(staff.lab_technician)

    first = client.get(reverse("chat_thread", args=[thread.pk])).content.decode()
    oldest_shown = Message.objects.get(body="m045").pk
    second = client.get(
        reverse("chat_older", args=[thread.pk]), {"before": oldest_shown}
    ).content.decode()
    third = client.get(
        reverse("chat_older", args=[thread.pk]), {"before": Message.objects.get(body="m015").pk}
    ).content.decode()

    assert "m074" in first and "m045" in first and "m044" not in first
    assert "m044" in second and "m015" in second and "m014" not in second and "<html" not in second
    assert "m000" in third and 'id="chat-older"' not in third


def test_the_thread_page_and_list_keep_a_constant_number_of_queries(
    staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff.nurse)
    thread = thread_between(staff.nurse, staff.lab_technician)
    message_send(sender=staff.lab_technician, thread=thread, body="first")
    with django_assert_max_num_queries(40) as few_thread:
        client.get(reverse("chat_thread", args=[thread.pk]))
    with django_assert_max_num_queries(40) as few_list:
        client.get(reverse("chat_list"))
    Message.objects.bulk_create(
        [Message(thread=thread, sender=staff.lab_technician, body=f"m{n}") for n in range(300)]
    )
    for other in [staff.doctor, staff.admin, staff.lab_technician]:
        extra = thread_start(initiator=staff.nurse, others=[other, staff.doctor])
        Message.objects.create(thread=extra, sender=other, body="hello")

    with django_assert_max_num_queries(len(few_thread.captured_queries)):
        client.get(reverse("chat_thread", args=[thread.pk]))
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        client.get(reverse("chat_list"))


def test_receipts_go_sent_then_delivered_then_read(staff):
    thread = thread_between(staff.nurse, staff.lab_technician)
    message = message_send(sender=staff.nurse, thread=thread, body="Ready?")

    def status():
        return services.receipt_statuses(thread.pk, [(message.pk, staff.nurse.pk)])[message.pk]

    assert status() == "sent"
    services.thread_mark_delivered(
        user=staff.lab_technician, thread_id=thread.pk, up_to_id=message.pk
    )
    assert status() == "delivered"
    services.thread_mark_read(user=staff.lab_technician, thread_id=thread.pk, up_to_id=message.pk)
    assert status() == "read"
    services.thread_mark_delivered(user=staff.lab_technician, thread_id=thread.pk, up_to_id=0)
    assert status() == "read"  # pointers never move back


def test_unread_counts_per_thread_and_in_the_navigation(staff, client_for):
    thread = thread_between(staff.nurse, staff.lab_technician)
    for n in range(3):
        message_send(sender=staff.nurse, thread=thread, body=f"note {n}")
    client = client_for(staff.lab_technician)

    listing = client.get(reverse("chat_list")).content.decode()
    client.get(reverse("chat_thread", args=[thread.pk]))  # opening it reads it
    after = client.get(reverse("chat_list")).content.decode()

    assert 'data-testid="thread-unread">3<' in listing
    assert 'data-testid="chat-unread">3<' in listing
    assert 'data-testid="thread-unread"' not in after and 'data-testid="chat-unread"' not in after
    assert services.chat_unread_count(staff.nurse) == 0  # one's own messages are not unread
    member = ThreadMember.objects.get(thread=thread, user=staff.lab_technician)
    assert member.last_read_id == member.last_delivered_id == Message.objects.last().pk


def test_the_navigation_badges_count_what_the_lists_count(staff):
    from django.utils import timezone

    from messaging.models import Notification
    from messaging.selectors import navigation_counts, urgent_waiting_count

    with_nurse = thread_between(staff.nurse, staff.lab_technician)
    with_doctor = thread_between(staff.doctor, staff.lab_technician)
    for n in range(3):
        message_send(sender=staff.nurse, thread=with_nurse, body=f"note {n}")
    message_send(sender=staff.lab_technician, thread=with_doctor, body="Sample is in.")
    message_send(sender=staff.doctor, thread=with_doctor, body="Thanks: bed 4 next?")
    services.thread_mark_read(
        user=staff.lab_technician,
        thread_id=with_nurse.pk,
        up_to_id=Message.objects.filter(thread=with_nurse).order_by("pk")[0].pk,
    )
    for read_at in (None, None, timezone.now()):
        Notification.objects.create(recipient=staff.lab_technician, text="Sample", read_at=read_at)
    # Urgent and opened (read) but not acknowledged: waiting; an acknowledged one is not.
    Notification.objects.create(
        recipient=staff.lab_technician, text="Critical", urgent=True, read_at=timezone.now()
    )
    Notification.objects.create(
        recipient=staff.lab_technician,
        text="Critical, seen to",
        urgent=True,
        read_at=timezone.now(),
        acknowledged_at=timezone.now(),
    )

    counts = navigation_counts(staff.lab_technician, chat=True)

    assert counts == (2, 1, 3)  # two notes after the one read, the doctor's one; never one's own
    assert counts == (
        services.unread_count(staff.lab_technician),
        urgent_waiting_count(staff.lab_technician),
        services.chat_unread_count(staff.lab_technician),
    )
    assert navigation_counts(staff.lab_technician, chat=False) == (2, 1, None)
    assert navigation_counts(staff.nurse, chat=True) == (0, 0, 0)


# --- patients and their doctors (the assigned-doctor relation) -------------------------------


def test_a_patient_writes_to_the_doctor_they_have_an_appointment_with(staff):
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)

    thread = thread_between(staff.patient_user, staff.doctor)
    message_send(sender=staff.patient_user, thread=thread, body="Should I fast before?")
    answer = message_send(sender=staff.doctor, thread=thread, body="Yes, from midnight.")

    assert answer.pk
    assert list(rules.contactable(staff.patient_user)) == [staff.doctor]
    assert staff.patient_user in set(rules.contactable(staff.doctor))
    assert staff.patient_user not in set(rules.contactable(staff.nurse))


def test_once_the_appointment_is_cancelled_the_patient_can_no_longer_write(staff):
    from clinical.models import AppointmentStatus

    appointment = AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    thread = thread_between(staff.patient_user, staff.doctor)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()

    with pytest.raises(ChatError, match="only the doctors looking after you"):
        message_send(sender=staff.patient_user, thread=thread, body="Hello?")


def test_reopening_a_conversation_read_already_writes_nothing(staff, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread = thread_between(staff.nurse, staff.lab_technician)
    message_send(sender=staff.nurse, thread=thread, body="Sample 4 is in.")
    client = client_for(staff.lab_technician)
    client.get(reverse("chat_thread", args=[thread.pk]))  # reads it

    with CaptureQueriesContext(connection) as again:
        page = client.get(reverse("chat_thread", args=[thread.pk]))

    assert page.status_code == 200 and "Sample 4 is in." in page.content.decode()
    # No transaction at all (its savepoint, inside the test's), no row locked.
    assert not [q for q in again.captured_queries if "SAVEPOINT" in q["sql"]]
    assert not [q for q in again.captured_queries if re.search(r"FOR (NO KEY )?UPDATE", q["sql"])]
    member = ThreadMember.objects.get(thread=thread, user=staff.lab_technician)
    assert member.last_read_id == Message.objects.get(thread=thread).pk
