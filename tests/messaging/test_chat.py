"""Chat: who may talk with whom, storing and paging messages, receipts and unread counts."""

import pytest
from django.urls import reverse

from hms import rbac
from messaging import rules, services
from messaging.models import Message, Thread, ThreadMember
from messaging.services import ChatError, message_send, thread_start

XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<div hx-get="/users/" hx-trigger="load">click</div>',
]


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(rbac.ADMIN, first_name="Grace", last_name="Wanjiru"),
        "doctor": make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno"),
        "nurse": make_user(rbac.NURSE, first_name="Joseph", last_name="Kamau"),
        "lab": make_user(rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Mwangi"),
        "patient": make_user(rbac.PATIENT, first_name="John", last_name="Mutua"),
    }


def thread_between(a, b) -> Thread:
    return thread_start(initiator=a, others=[b])


# --- the rules -----------------------------------------------------------------------------


def test_staff_talk_with_staff(people):
    thread = thread_between(people["nurse"], people["lab"])

    message = message_send(sender=people["lab"], thread=thread, body="Sample received")

    assert Message.objects.get(pk=message.pk).body == "Sample received"


@pytest.mark.parametrize(
    ("initiator", "other", "reason"),
    [
        ("patient", "doctor", "only the doctors looking after you"),
        ("patient", "admin", "only the doctors looking after you"),
        ("patient", "nurse", "only the doctors looking after you"),
        ("nurse", "patient", "Only John"),
        ("doctor", "patient", "Only John"),  # not (yet) assigned: no appointment, no admission
    ],
)
def test_a_conversation_the_rules_forbid_is_refused_and_nothing_is_stored(
    people, initiator, other, reason
):
    with pytest.raises(ChatError, match=reason):
        thread_start(initiator=people[initiator], others=[people[other]])

    assert not Thread.objects.exists()


def test_admin_may_write_to_a_patient_and_the_patient_may_answer(people):
    thread = thread_between(people["admin"], people["patient"])

    reply = message_send(sender=people["patient"], thread=thread, body="Thank you")

    assert reply.pk


def test_nobody_can_write_to_a_deactivated_colleague(people):
    thread = thread_between(people["nurse"], people["lab"])
    people["lab"].is_active = False
    people["lab"].save()

    with pytest.raises(ChatError, match="no longer has an account"):
        message_send(sender=people["nurse"], thread=thread, body="Hello?")

    assert not Message.objects.exists()


def test_starting_again_with_the_same_person_reopens_the_conversation(people):
    first = thread_between(people["nurse"], people["doctor"])

    again = thread_between(people["doctor"], people["nurse"])

    assert again.pk == first.pk


def test_the_picker_lists_only_people_one_may_write_to(people):
    nurse_sees = set(rules.contactable(people["nurse"]))
    admin_sees = set(rules.contactable(people["admin"]))

    assert people["patient"] not in nurse_sees and people["doctor"] in nurse_sees
    assert people["patient"] in admin_sees
    assert list(rules.contactable(people["patient"])) == []


def test_the_picker_page_filters_by_name(people, client_for):
    page = client_for(people["nurse"]).get(reverse("chat_picker"), {"q": "amin"}).content.decode()

    assert "Amina" in page and "Peter" not in page and "John" not in page


# --- sending -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [("   ", "Write a message first"), ("x" * 2001, "limited to 2000 characters")],
)
def test_empty_and_overlong_messages_are_refused(people, body, reason):
    thread = thread_between(people["nurse"], people["lab"])

    with pytest.raises(ChatError, match=reason):
        message_send(sender=people["nurse"], thread=thread, body=body)

    assert not Message.objects.exists()


def test_someone_outside_the_conversation_cannot_post_or_read_it(people, client_for):
    thread = thread_between(people["nurse"], people["lab"])
    message_send(sender=people["nurse"], thread=thread, body="Private note")
    outsider = client_for(people["doctor"])

    posted = outsider.post(reverse("chat_send", args=[thread.pk]), {"body": "Let me in"})
    viewed = outsider.get(reverse("chat_thread", args=[thread.pk]))
    older = outsider.get(reverse("chat_older", args=[thread.pk]))

    assert posted.status_code == viewed.status_code == older.status_code == 404
    assert Message.objects.count() == 1
    with pytest.raises(ChatError):
        message_send(sender=people["doctor"], thread=thread, body="Let me in")


def test_sending_too_fast_is_refused_with_a_clear_message(people):
    thread = thread_between(people["nurse"], people["lab"])
    for n in range(services.SEND_LIMIT):
        message_send(sender=people["nurse"], thread=thread, body=f"Message {n}")

    with pytest.raises(ChatError, match="too quickly"):
        message_send(sender=people["nurse"], thread=thread, body="One more")

    assert Message.objects.count() == services.SEND_LIMIT


def test_the_send_form_shows_a_refusal_and_keeps_the_text(people, client_for):
    thread = thread_between(people["nurse"], people["lab"])
    client = client_for(people["nurse"])

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
def test_message_text_is_escaped_everywhere_it_appears(people, client_for, payload):
    thread = thread_between(people["nurse"], people["lab"])
    message_send(sender=people["nurse"], thread=thread, body=payload)
    client = client_for(people["lab"])

    pages = [
        client.get(reverse("chat_thread", args=[thread.pk])).content.decode(),
        client.get(reverse("chat_list")).content.decode(),
        services.realtime.render_fragment(
            "messaging/chat_toast.html",
            {"message": Message.objects.get(), "sender": people["nurse"]},
        ),
    ]

    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert '<div hx-get="/users/"' not in page


# --- paging, receipts, unread --------------------------------------------------------------


def test_history_pages_backwards_from_the_newest(people, client_for):
    thread = thread_between(people["nurse"], people["lab"])
    Message.objects.bulk_create(
        [Message(thread=thread, sender=people["nurse"], body=f"m{n:03d}") for n in range(75)]
    )
    client = client_for(people["lab"])

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
    people, client_for, django_assert_max_num_queries
):
    client = client_for(people["nurse"])
    thread = thread_between(people["nurse"], people["lab"])
    message_send(sender=people["lab"], thread=thread, body="first")
    with django_assert_max_num_queries(40) as few_thread:
        client.get(reverse("chat_thread", args=[thread.pk]))
    with django_assert_max_num_queries(40) as few_list:
        client.get(reverse("chat_list"))
    Message.objects.bulk_create(
        [Message(thread=thread, sender=people["lab"], body=f"m{n}") for n in range(300)]
    )
    for other in [people["doctor"], people["admin"], people["lab"]]:
        extra = thread_start(initiator=people["nurse"], others=[other, people["doctor"]])
        Message.objects.create(thread=extra, sender=other, body="hello")

    with django_assert_max_num_queries(len(few_thread.captured_queries)):
        client.get(reverse("chat_thread", args=[thread.pk]))
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        client.get(reverse("chat_list"))


def test_receipts_go_sent_then_delivered_then_read(people):
    thread = thread_between(people["nurse"], people["lab"])
    message = message_send(sender=people["nurse"], thread=thread, body="Ready?")

    def status():
        return services.receipt_statuses(thread.pk, [(message.pk, people["nurse"].pk)])[message.pk]

    assert status() == "sent"
    services.thread_mark_delivered(user=people["lab"], thread_id=thread.pk, up_to_id=message.pk)
    assert status() == "delivered"
    services.thread_mark_read(user=people["lab"], thread_id=thread.pk, up_to_id=message.pk)
    assert status() == "read"
    services.thread_mark_delivered(user=people["lab"], thread_id=thread.pk, up_to_id=0)
    assert status() == "read"  # pointers never move back


def test_unread_counts_per_thread_and_in_the_navigation(people, client_for):
    thread = thread_between(people["nurse"], people["lab"])
    for n in range(3):
        message_send(sender=people["nurse"], thread=thread, body=f"note {n}")
    client = client_for(people["lab"])

    listing = client.get(reverse("chat_list")).content.decode()
    client.get(reverse("chat_thread", args=[thread.pk]))  # opening it reads it
    after = client.get(reverse("chat_list")).content.decode()

    assert 'data-testid="thread-unread">3<' in listing
    assert 'data-testid="chat-unread">3<' in listing
    assert 'data-testid="thread-unread"' not in after and 'data-testid="chat-unread"' not in after
    assert services.chat_unread_count(people["nurse"]) == 0  # one's own messages are not unread
    member = ThreadMember.objects.get(thread=thread, user=people["lab"])
    assert member.last_read_id == member.last_delivered_id == Message.objects.last().pk


# --- patients and their doctors (the assigned-doctor relation) -------------------------------


def _appointment(patient_user, doctor):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from clinical.models import Appointment
    from tests.factories import PatientFactory

    record = PatientFactory(user=patient_user)
    starts = timezone.now() + timedelta(days=2)
    return Appointment.objects.create(
        patient=record,
        doctor=doctor,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        fee=Decimal("1500"),
    )


def test_a_patient_writes_to_the_doctor_they_have_an_appointment_with(people):
    _appointment(people["patient"], people["doctor"])

    thread = thread_between(people["patient"], people["doctor"])
    message_send(sender=people["patient"], thread=thread, body="Should I fast before?")
    answer = message_send(sender=people["doctor"], thread=thread, body="Yes, from midnight.")

    assert answer.pk
    assert list(rules.contactable(people["patient"])) == [people["doctor"]]
    assert people["patient"] in set(rules.contactable(people["doctor"]))
    assert people["patient"] not in set(rules.contactable(people["nurse"]))


def test_once_the_appointment_is_cancelled_the_patient_can_no_longer_write(people):
    from clinical.models import AppointmentStatus

    appointment = _appointment(people["patient"], people["doctor"])
    thread = thread_between(people["patient"], people["doctor"])
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()

    with pytest.raises(ChatError, match="only the doctors looking after you"):
        message_send(sender=people["patient"], thread=thread, body="Hello?")
