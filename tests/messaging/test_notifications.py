"""Notifications: saved for each recipient, a bell with the unread count, mark read."""

from django.test import override_settings
from django.urls import reverse

from hms import rbac
from messaging.models import Notification
from messaging.services import notify

REDIS_NOBODY_LISTENS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


def test_notify_a_role_reaches_every_active_member(make_user):
    nurses = [make_user(rbac.NURSE), make_user(rbac.NURSE)]
    make_user(rbac.NURSE, is_active=False)
    doctor = make_user(rbac.DOCTOR)

    notify(rbac.NURSE, "Bed 4 in ICU needs cleaning", link="/dashboard/")

    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(
        n.pk for n in nurses
    )
    assert not Notification.objects.filter(recipient=doctor).exists()


def test_the_bell_shows_the_unread_count_on_every_page(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    notify(doctor, "First")
    notify(doctor, "Second")

    page = client_for(doctor).get(reverse("dashboard")).content.decode()

    assert 'data-testid="bell-count">2<' in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    [note] = notify(doctor, "Lab result ready", link="/dashboard/")
    client = client_for(doctor)

    response = client.post(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Notification.objects.get(pk=note.pk).is_read
    assert 'data-testid="bell-count"' not in client.get(reverse("dashboard")).content.decode()


def test_a_link_to_another_site_is_not_followed(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    [note] = notify(doctor, "Phishy", link="https://evil.example/")

    response = client_for(doctor).post(reverse("notification_open", args=[note.pk]))

    assert response["Location"] == reverse("notification_list")


def test_nobody_can_open_or_read_another_users_notification(client_for, make_user):
    doctor, nurse = make_user(rbac.DOCTOR), make_user(rbac.NURSE)
    [note] = notify(doctor, "Private to the doctor")
    nurse_client = client_for(nurse)

    opened = nurse_client.post(reverse("notification_open", args=[note.pk]))
    listing = nurse_client.get(reverse("notification_list")).content.decode()

    assert opened.status_code == 404
    assert not Notification.objects.get(pk=note.pk).is_read
    assert "Private to the doctor" not in listing


def test_mark_all_read(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    notify(doctor, "One")
    notify(doctor, "Two")

    client_for(doctor).post(reverse("notification_read_all"))

    assert not Notification.objects.filter(recipient=doctor, read_at__isnull=True).exists()


def test_the_list_escapes_text_and_keeps_a_constant_number_of_queries(
    client_for, make_user, django_assert_max_num_queries
):
    doctor = make_user(rbac.DOCTOR)
    client = client_for(doctor)
    notify(doctor, "<img src=x onerror=alert(1)>")
    with django_assert_max_num_queries(20) as few:
        first = client.get(reverse("notification_list")).content.decode()
    for n in range(100):
        notify(doctor, f"Notification {n}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notification_list"))

    assert "<img src=x" not in first and "&lt;img src=x" in first


@override_settings(CHANNEL_LAYERS=REDIS_NOBODY_LISTENS)
def test_when_redis_is_down_the_action_still_succeeds_and_the_failure_is_logged(
    client_for, make_user, caplog, django_capture_on_commit_callbacks
):
    doctor = make_user(rbac.DOCTOR)
    notify(doctor, "Saved even though it cannot be pushed")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(doctor).post(reverse("notification_read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=doctor, read_at__isnull=True).exists()
    assert "could not publish" in caplog.text
