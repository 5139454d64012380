"""A conversation opened reads its thread, its other members, its latest messages and their
receipts by prepared queries (messaging.selectors): the same as the ORM's reads they replaced,
whatever the names and bodies hold."""

from django.template.defaultfilters import linebreaksbr

from hms import rbac
from messaging import selectors
from messaging.models import Message, Thread, ThreadMember
from messaging.templatetags.chat_rows import _body


def _old_latest(thread: Thread) -> tuple[list[dict], bool]:
    """The latest page as messages_page read it before (model instances)."""
    rows = Message.objects.filter(thread=thread).select_related("sender").order_by("-id")
    batch = list(rows[: selectors.MESSAGES_PER_PAGE + 1])
    older = len(batch) > selectors.MESSAGES_PER_PAGE
    batch = batch[: selectors.MESSAGES_PER_PAGE][::-1]
    return [selectors.message_event(m, m.sender) for m in batch], older


def test_the_latest_messages_and_the_thread_read_prepared_are_the_orms(make_user):
    doctor = make_user(rbac.DOCTOR, first_name="Amina <b>", last_name="O'Neil & Co")
    nurse = make_user(rbac.NURSE, first_name="", last_name="", username="night.nurse")
    porter = make_user(rbac.NURSE)
    thread = Thread.objects.create(created_by=doctor)
    ThreadMember.objects.bulk_create(
        [ThreadMember(thread=thread, user=person) for person in (doctor, nurse, porter)]
    )
    for count in (0, 3, selectors.MESSAGES_PER_PAGE + 4):
        while Message.objects.filter(thread=thread).count() < count:
            n = Message.objects.filter(thread=thread).count()
            Message.objects.create(
                thread=thread, sender=(doctor, nurse)[n % 2], body=f"Line {n}\nnext <i>"
            )
        events, older = selectors._latest_events(thread.pk)
        assert (events, older) == _old_latest(thread)
        if events:
            page, more = selectors.messages_page(thread, None)
            assert more == max(0, count - selectors.MESSAGES_PER_PAGE)
            assert {event["sender_name"] for event in page} == {
                "Amina <b> O'Neil & Co",
                "night.nurse",
            }

    opened = selectors.thread_open(doctor, thread.pk)
    assert opened == thread and opened.my_last_read == 0
    assert sorted(member.user.pk for member in opened.others) == sorted([nurse.pk, porter.pk])
    assert selectors.thread_open(make_user(rbac.NURSE), thread.pk) is None


def test_a_body_is_written_as_linebreaksbr_writes_it():
    for body in ["plain", "<b>&'\"", "two\nlines", "windows\r\nline", "old mac\rline", "", "\n"]:
        assert _body(body) == linebreaksbr(body, autoescape=True)
