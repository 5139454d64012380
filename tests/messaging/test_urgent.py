"""Critical results cannot be missed (issue 19, item 4): urgent notifications are pinned above the
routine ones until a recipient acknowledges them with a note (audited, settling every copy of the
same event), pop up at sign-in, and escalate to a second doctor and the admins when nobody
acknowledges them in time; routine kinds are grouped and may be muted, urgent ones may not."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hms import rbac
from hms.models import AuditEntry
from messaging import services
from messaging.models import Notification
from messaging.services import notify
from tests.conftest import sign_in
from tests.factories import DepartmentFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MORNING = datetime(2026, 11, 24, 9, tzinfo=NAIROBI)

pytestmark = pytest.mark.django_db


def _critical(
    doctor, text="CRITICAL result for Juma Mwangi (Full blood count): Haemoglobin 5.8 g/dL."
):
    return notify(doctor, text, link="/dashboard/", urgent=True, kind="critical_result")


def test_an_urgent_notification_is_pinned_above_the_routine_ones(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    _critical(doctor)
    for n in range(20):
        notify(doctor, f"Appointment {n} booked", kind="appointment")

    page = client_for(doctor).get(reverse("notification_list")).content.decode()

    pinned = page.index('data-testid="pinned"')
    assert pinned < page.index("Appointment 19 booked")
    assert page.index("Haemoglobin 5.8 g/dL", pinned) < page.index(
        'data-testid="notification-list"'
    )
    assert 'data-testid="kind-appointment"' in page and "Appointments" in page


def test_opening_it_or_marking_all_read_does_not_unpin_it(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    [alert] = _critical(doctor)
    client = client_for(doctor)

    client.post(reverse("notification_open", args=[alert.pk]))
    client.post(reverse("notification_read_all"))

    page = client.get(reverse("notification_list")).content.decode()
    assert f'id="pinned-{alert.pk}"' in page


def test_the_bell_counts_an_opened_alert_as_waiting_until_it_is_acknowledged(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    [alert] = _critical(doctor)
    notify(doctor, "Appointment booked", kind="appointment")
    client = client_for(doctor)
    client.post(reverse("notification_read_all"))

    page = client.get(reverse("dashboard")).content.decode()

    assert 'data-testid="bell-count"' not in page  # nothing unread...
    assert 'data-testid="bell-urgent-count">1<' in page  # ...but the alert still waits
    assert "1 urgent notification waiting for acknowledgement" in page
    assert page.count('data-testid="pinned-notification"') == 1  # the same one the bell counts
    assert f'id="pinned-{alert.pk}"' in page

    client.post(reverse("notification_acknowledge", args=[alert.pk]), {"note": "Transfused"})

    page = client.get(reverse("dashboard")).content.decode()
    assert (
        'data-testid="bell-urgent' not in page and 'data-testid="pinned-notification"' not in page
    )


def test_the_bell_and_the_pinned_list_fetched_alone_agree(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    _critical(doctor, "CRITICAL result one")
    _critical(doctor, "CRITICAL result two")
    notify(doctor, "Appointment booked", kind="appointment")
    client = client_for(doctor)

    bell = client.get(reverse("notification_bell")).content.decode()
    pinned = client.get(reverse("notification_pinned")).content.decode()

    assert 'data-testid="bell-count">3<' in bell and 'data-testid="bell-urgent-count">2<' in bell
    assert pinned.count('data-testid="pinned-notification"') == 2
    assert "Urgent, waiting for acknowledgement (2)" in pinned


def test_a_dashboard_with_nothing_waiting_asks_nothing_more(
    client_for, make_user, django_assert_max_num_queries
):
    doctor = make_user(rbac.DOCTOR)
    client = client_for(doctor)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(30) as counted:
        client.get(reverse("dashboard"))
    quiet = len(counted.captured_queries)
    _critical(doctor)

    with django_assert_max_num_queries(quiet + 1):
        page = client.get(reverse("dashboard")).content.decode()

    assert page.count('data-testid="pinned-notification"') == 1


def test_acknowledging_needs_a_note_and_keeps_what_was_typed(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    [alert] = _critical(doctor)

    response = client_for(doctor).post(
        reverse("notification_acknowledge", args=[alert.pk]), {"note": "   "}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-note"' in page and "Say what was done about it." in page
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEntry.objects.filter(action="notification.acknowledge").exists()


def test_acknowledging_settles_every_copy_of_the_event_and_is_audited(client_for, make_user):
    doctor, colleague, other = (
        make_user(rbac.DOCTOR),
        make_user(rbac.DOCTOR),
        make_user(rbac.DOCTOR),
    )
    mine, theirs = notify([doctor, colleague], "NEWS2 7 for Juma Mwangi", urgent=True, kind="news2")
    [unrelated] = _critical(other)

    response = client_for(colleague).post(
        reverse("notification_acknowledge", args=[theirs.pk]),
        {"note": "Reviewed at the bedside, oxygen started, ICU called"},
    )

    assert response.status_code == 302
    for alert in (mine, theirs):
        alert.refresh_from_db()
        assert alert.acknowledged_by == colleague and alert.is_read
        assert alert.acknowledgement_note == "Reviewed at the bedside, oxygen started, ICU called"
    unrelated.refresh_from_db()
    assert unrelated.acknowledged_at is None
    entry = AuditEntry.objects.get(action="notification.acknowledge")
    assert entry.actor == colleague
    assert entry.after["note"] == "Reviewed at the bedside, oxygen started, ICU called"
    assert sorted(entry.after["recipients"]) == sorted([doctor.pk, colleague.pk])
    page = client_for(doctor).get(reverse("notification_list")).content.decode()
    assert f'id="pinned-{mine.pk}"' not in page
    assert "oxygen started, ICU called" in page  # the acknowledgement, on the doctor's list too


def test_a_second_acknowledgement_is_refused_naming_the_first(make_user):
    doctor, colleague = make_user(rbac.DOCTOR), make_user(rbac.DOCTOR, first_name="Ruth")
    mine, theirs = notify([doctor, colleague], "NEWS2 7", urgent=True, kind="news2")
    services.notification_acknowledge(actor=colleague, notification_id=theirs.pk, note="Seen")

    with pytest.raises(services.NotificationError, match="Already acknowledged by"):
        services.notification_acknowledge(actor=doctor, notification_id=mine.pk, note="Also seen")

    assert AuditEntry.objects.filter(action="notification.acknowledge").count() == 1


def test_only_urgent_notifications_of_ones_own_are_acknowledged(client_for, make_user):
    doctor, other = make_user(rbac.DOCTOR), make_user(rbac.DOCTOR)
    [routine] = notify(doctor, "Appointment booked", kind="appointment")
    [alert] = _critical(doctor)

    refused = client_for(doctor).post(
        reverse("notification_acknowledge", args=[routine.pk]), {"note": "ok"}, follow=True
    )
    not_theirs = client_for(other).post(
        reverse("notification_acknowledge", args=[alert.pk]), {"note": "ok"}
    )

    assert "Only urgent notifications are acknowledged" in refused.content.decode()
    assert not_theirs.status_code == 404
    assert not Notification.objects.exclude(acknowledged_at=None).exists()


def test_a_muted_routine_kind_is_kept_but_arrives_read(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    client = client_for(doctor)
    client.post(reverse("notification_mute"), {"kind": "appointment", "muted": "1"})

    [muted] = notify(doctor, "Appointment booked", kind="appointment")
    [other] = notify(doctor, "CBC verified", kind="lab_result")

    assert muted.is_read and not other.is_read
    page = client.get(reverse("notification_list") + "?kind=appointment").content.decode()
    assert "Appointment booked" in page and "Unmute appointments" in page
    client.post(reverse("notification_mute"), {"kind": "appointment", "muted": "0"})
    [again] = notify(doctor, "Another appointment", kind="appointment")
    assert not again.is_read


def test_urgent_kinds_cannot_be_muted(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)

    response = client_for(doctor).post(
        reverse("notification_mute"), {"kind": "critical_result", "muted": "1"}, follow=True
    )

    assert "Critical results cannot be muted." in response.content.decode()
    [alert] = _critical(doctor)
    assert not alert.is_read


def test_the_urgent_ones_pop_up_once_at_sign_in(make_user):
    doctor = make_user(rbac.DOCTOR)
    _critical(doctor)
    client = sign_in(Client(), doctor)

    first = client.get(reverse("dashboard")).content.decode()
    second = client.get(reverse("dashboard")).content.decode()

    assert 'data-testid="urgent-popup"' in first and "Haemoglobin 5.8 g/dL" in first
    assert 'data-testid="urgent-popup"' not in second


def test_no_pop_up_when_nothing_urgent_waits(make_user):
    doctor = make_user(rbac.DOCTOR)
    notify(doctor, "Appointment booked", kind="appointment")

    page = sign_in(Client(), doctor).get(reverse("dashboard")).content.decode()

    assert 'data-testid="urgent-popup"' not in page


# --- escalation -----------------------------------------------------------------------------


@pytest.fixture
def medicine(make_user):
    """Two doctors of internal medicine, a surgeon, and the admin."""
    internal = DepartmentFactory(name="Internal medicine", code="MED")
    surgery = DepartmentFactory(name="Surgery", code="SUR")
    return {
        "doctor": make_user(rbac.DOCTOR, department=internal, last_name="Otieno"),
        "colleague": make_user(rbac.DOCTOR, department=internal, last_name="Wanjiru"),
        "surgeon": make_user(rbac.DOCTOR, department=surgery, last_name="Abdi"),
        "admin": make_user(rbac.ADMIN),
    }


def _received_by(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


def test_an_unacknowledged_alert_goes_to_a_colleague_of_the_department_and_the_admin(
    medicine, settings
):
    settings.HMS_URGENT_ESCALATION_MINUTES = 30
    with time_machine.travel(MORNING, tick=False) as clock:
        _critical(medicine["doctor"])
        clock.shift(timedelta(minutes=29))
        assert services.urgent_escalate() == 0
        clock.shift(timedelta(minutes=1))
        assert services.urgent_escalate() == 1
        assert services.urgent_escalate() == 0  # once per event

    [to_colleague] = Notification.objects.filter(recipient=medicine["colleague"])
    assert to_colleague.urgent and to_colleague.is_escalation
    assert to_colleague.text.startswith("Not acknowledged in 30 min by")
    assert "Haemoglobin 5.8 g/dL" in to_colleague.text
    assert len(_received_by(medicine["admin"])) == 1
    assert _received_by(medicine["surgeon"]) == []
    entry = AuditEntry.objects.get(action="notification.escalate")
    assert entry.after["second_doctor"] == medicine["colleague"].pk


def test_the_colleagues_acknowledgement_settles_the_first_doctors_alert(medicine):
    with time_machine.travel(MORNING, tick=False) as clock:
        [original] = _critical(medicine["doctor"])
        clock.shift(timedelta(minutes=31))
        services.urgent_escalate()
    [copy] = Notification.objects.filter(recipient=medicine["colleague"])

    services.notification_acknowledge(
        actor=medicine["colleague"], notification_id=copy.pk, note="Transfused 2 units"
    )

    assert not Notification.objects.filter(urgent=True, acknowledged_at=None).exists()
    original.refresh_from_db()
    assert original.acknowledged_by == medicine["colleague"]


def test_an_acknowledged_alert_does_not_escalate(medicine):
    with time_machine.travel(MORNING, tick=False) as clock:
        [alert] = _critical(medicine["doctor"])
        clock.shift(timedelta(minutes=10))
        services.notification_acknowledge(
            actor=medicine["doctor"], notification_id=alert.pk, note="Repeat sample sent"
        )
        clock.shift(timedelta(hours=2))
        assert services.urgent_escalate() == 0

    assert _received_by(medicine["colleague"]) == [] and _received_by(medicine["admin"]) == []


def test_with_no_colleague_in_the_department_another_doctor_is_asked(medicine):
    medicine["colleague"].is_active = False
    medicine["colleague"].save()
    with time_machine.travel(MORNING, tick=False) as clock:
        _critical(medicine["doctor"])
        clock.shift(timedelta(minutes=30))
        services.urgent_escalate()

    assert len(_received_by(medicine["surgeon"])) == 1


def test_routine_and_non_clinical_urgent_kinds_never_escalate(medicine):
    with time_machine.travel(MORNING, tick=False) as clock:
        notify(medicine["doctor"], "Appointment booked", kind="appointment")
        notify(medicine["doctor"], "New sign-in", urgent=True, kind="security")
        clock.shift(timedelta(hours=3))
        assert services.urgent_escalate() == 0


def test_the_notifications_page_keeps_its_query_count_however_many(
    client_for, make_user, django_assert_max_num_queries
):
    doctor = make_user(rbac.DOCTOR)
    client = client_for(doctor)
    client.get(reverse("dashboard"))
    for n in range(12):
        _critical(doctor, f"CRITICAL result {n}")
    for kind in ("appointment", "lab_result", "admission", "leave"):
        for n in range(15):
            notify(doctor, f"{kind} {n}", kind=kind)
    client.post(reverse("notification_mute"), {"kind": "leave", "muted": "1"})

    with django_assert_max_num_queries(12):
        page = client.get(reverse("notification_list"))

    assert page.content.decode().count('data-testid="pinned-notification"') == 12
    assert "1–30 of 72" in page.content.decode()


def test_the_minute_task_escalates_what_is_overdue(medicine):
    from messaging.tasks import escalate_unacknowledged_alerts

    with time_machine.travel(MORNING, tick=False) as clock:
        _critical(medicine["doctor"])
        clock.shift(timedelta(minutes=45))
        assert escalate_unacknowledged_alerts.call_local() == 1

    assert len(_received_by(medicine["colleague"])) == 1


def test_the_pop_up_waits_until_the_second_factor_is_passed(make_user):
    """The code page comes before any patient's name: the pop-up shows on the first page after it."""
    from django_otp.oath import totp

    from tests.factories import PASSWORD, TOTPDeviceFactory

    admin = make_user(rbac.ADMIN)
    device = TOTPDeviceFactory(user=admin)
    _critical(admin)
    client = Client()

    code_page = client.post(
        reverse("account_login"), {"login": admin.username, "password": PASSWORD}, follow=True
    )
    verified = client.post(
        reverse("otp_verify"), {"token": f"{totp(device.bin_key):06d}"}, follow=True
    )

    assert code_page.request["PATH_INFO"] == reverse("otp_verify")
    assert 'data-testid="urgent-popup"' not in code_page.content.decode()
    assert "Haemoglobin" not in code_page.content.decode()
    assert 'data-testid="urgent-popup"' in verified.content.decode()
