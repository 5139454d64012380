"""Chat's lists never stop silently: the people picker says how many match beyond the first 20,
and a conversation says how many older messages there are still to load; each in a constant
number of queries however many rows."""

from django.urls import reverse

from hms import rbac
from messaging.models import Message
from messaging.services import thread_start


def test_the_picker_says_how_many_match_beyond_the_first_twenty(
    staff, make_user, client_for, django_assert_max_num_queries
):
    for n in range(5):
        make_user(rbac.NURSE, first_name="Wanjiku", last_name=f"Nurse{n:02d}")
    client = client_for(staff.admin)
    url = reverse("chat_picker")
    client.get(url, {"q": "wanjiku"})
    with django_assert_max_num_queries(40) as few:
        page = client.get(url, {"q": "wanjiku"}).content.decode()
    assert page.count('data-testid="pick-person"') == 5
    assert 'data-testid="more"' not in page

    for n in range(5, 57):
        make_user(rbac.NURSE, first_name="Wanjiku", last_name=f"Nurse{n:02d}")
    # One more: the full list's count (a short one is its own count, hms.paging.first_of).
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        page = client.get(url, {"q": "wanjiku"}).content.decode()
    assert page.count('data-testid="pick-person"') == 20
    assert "20 of 57 matches: type more of the name" in page

    narrower = client.get(url, {"q": "wanjiku nurse5"}).content.decode()  # not a name: no match
    assert 'data-testid="more"' not in narrower


def test_a_conversation_says_how_many_older_messages_there_are(
    staff, client_for, django_assert_max_num_queries
):
    thread = thread_start(initiator=staff.nurse, others=[staff.lab_technician])
    Message.objects.bulk_create(
        [Message(thread=thread, sender=staff.nurse, body=f"m{n:03d}") for n in range(95)]
    )
    client = client_for(staff.lab_technician)

    first = client.get(reverse("chat_thread", args=[thread.pk])).content.decode()
    assert "Older messages (65 more)" in first  # 30 shown of 95
    older = client.get(
        reverse("chat_older", args=[thread.pk]), {"before": Message.objects.get(body="m065").pk}
    ).content.decode()
    assert "m035" in older and "m034" not in older
    assert "Older messages (35 more)" in older

    last = client.get(
        reverse("chat_older", args=[thread.pk]), {"before": Message.objects.get(body="m005").pk}
    ).content.decode()
    assert "m000" in last and 'data-testid="chat-older"' not in last

    # Measured with unread messages both times (opening the thread marks them read).
    Message.objects.create(thread=thread, sender=staff.nurse, body="unread")
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("chat_thread", args=[thread.pk]))
    Message.objects.bulk_create(
        [Message(thread=thread, sender=staff.nurse, body=f"n{n:04d}") for n in range(1000)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("chat_thread", args=[thread.pk])).content.decode()
    assert "Older messages (1,066 more)" in page
