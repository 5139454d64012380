"""A set of vitals scoring NEWS2 5-6 or a 3 in one parameter tells the attending doctor and the
ward's nurses (urgent); 7 or more tells the doctor and the administrator (emergency); the nurse
sees the saved set, its flags and its score first; a doctor's 88-92% target scores on scale 2."""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinical import selectors, services
from clinical.models import Vitals
from hms import rbac
from hms.models import AuditEntry
from messaging.models import Notification
from tests.conftest import sign_in
from tests.factories import AdmissionFactory, BedFactory, PatientFactory, UserFactory, WardFactory
from tests.vitals_sets import STEADY_VALUES

# STEADY_VALUES scores 0 on the chart (on air and alert).
# 5: RR 21 (2), SpO2 95 (1), pulse 111 (2).
MEDIUM = STEADY_VALUES | {"respiratory_rate": 21, "spo2": 95, "pulse": 111}
# 9: RR 22 (2), SpO2 91 (3), pulse 112 (2), 39.4 (2).
HIGH = STEADY_VALUES | {
    "respiratory_rate": 22,
    "spo2": 91,
    "pulse": 112,
    "temperature_c": Decimal("39.4"),
}


@pytest.fixture
def ward_patient(staff):
    """Mary's neighbour on Medical Ward bed 3, Dr Odhiambo attending."""
    ward = WardFactory(name="Medical Ward")
    return AdmissionFactory(
        bed=BedFactory(ward=ward, number="3"),
        attending_doctor=staff.doctor,
        patient=PatientFactory(first_name="Baraka", last_name="Mwangi"),
    )


def record(actor, patient, values, **fields) -> Vitals:
    return services.vitals_record(
        actor=actor,
        patient=patient,
        values=values,
        on_oxygen=fields.pop("on_oxygen", False),
        consciousness=fields.pop("consciousness", "A"),
    )


def told(kind: str = "news2") -> dict[str, str]:
    return {
        n.recipient.get_full_name(): n.text
        for n in Notification.objects.filter(kind=kind, urgent=True).select_related("recipient")
    }


def test_a_steady_set_alerts_nobody(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, STEADY_VALUES)

    assert not Notification.objects.exists()


def test_a_score_of_5_alerts_the_attending_doctor_and_the_wards_nurses_as_urgent(
    staff, ward_patient
):
    colleague = UserFactory(role=rbac.NURSE, first_name="Esther", last_name="Njeri")
    record(colleague, ward_patient.patient, STEADY_VALUES)  # Esther works this ward today

    record(staff.nurse, ward_patient.patient, MEDIUM)

    alerts = told()
    assert set(alerts) == {"Amina Odhiambo", "Esther Njeri"}
    assert alerts["Amina Odhiambo"].startswith("Urgent: NEWS2 5, medium risk, Baraka Mwangi")
    assert "Medical Ward bed 3" in alerts["Amina Odhiambo"]
    notification = Notification.objects.filter(recipient=staff.doctor).get()
    assert notification.link == reverse("patient_vitals", args=[ward_patient.patient.pk])


def test_when_no_nurse_has_worked_the_ward_yet_every_nurse_hears_of_it(staff, ward_patient):
    UserFactory(role=rbac.NURSE, first_name="Esther", last_name="Njeri")

    record(staff.second_doctor, ward_patient.patient, MEDIUM)

    assert set(told()) == {"Amina Odhiambo", "Esther Njeri", "Grace Wanjiru"}


def test_the_nurse_who_took_the_set_is_not_told_what_she_just_saw(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, MEDIUM)

    assert set(told()) == {"Amina Odhiambo"}


def test_new_confusion_alone_is_a_3_in_one_parameter_and_alerts_as_urgent(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, STEADY_VALUES, consciousness="C")

    assert told()["Amina Odhiambo"].startswith("Urgent: NEWS2 3, low-medium risk")


def test_a_score_of_7_or_more_alerts_the_doctor_and_the_administrator_as_an_emergency(
    staff, ward_patient
):
    UserFactory(role=rbac.ADMIN, first_name="Retired", last_name="Admin", is_active=False)

    record(staff.nurse, ward_patient.patient, HIGH)

    alerts = told()
    assert set(alerts) == {"Amina Odhiambo", "Wanjiku Kamau"}  # no nurse, no inactive admin
    assert alerts["Wanjiku Kamau"].startswith("Emergency: NEWS2 9, high risk, Baraka Mwangi")
    assert "observations continuous" in alerts["Wanjiku Kamau"]


def test_an_outpatient_scoring_high_alerts_the_doctor_of_the_open_consultation(staff):
    from tests.factories import EncounterFactory

    patient = PatientFactory()
    EncounterFactory(patient=patient, doctor=staff.second_doctor)

    record(staff.nurse, patient, HIGH)

    assert set(told()) == {"Hassan Omar", "Wanjiku Kamau"}


def test_a_set_recorded_without_air_or_acvpu_says_from_5_of_7(staff, ward_patient):
    services.vitals_record(actor=staff.nurse, patient=ward_patient.patient, values=MEDIUM)

    assert "NEWS2 5 (from 5 of 7)" in told()["Amina Odhiambo"]


def test_the_nurse_sees_the_saved_set_its_flags_and_its_score_first(
    staff, ward_patient, client_for
):
    nurse = client_for(staff.nurse)
    url = reverse("patient_vitals", args=[ward_patient.patient.pk])
    form = {k: str(v) for k, v in HIGH.items()} | {"supply": "oxygen", "consciousness": "A"}

    response = nurse.post(url, form, follow=True)

    html = response.content.decode()
    saved = html[
        html.index('data-testid="vitals-saved"') : html.index('data-testid="vitals-table"')
    ]
    assert html.index('data-testid="vitals-saved"') < html.index('data-testid="save-vitals"')
    assert ">NEWS2 11<" in saved and 'data-risk="high"' in saved  # 9 + 2 for the oxygen
    assert "Temperature 39.4 °C high" in saved and "SpO₂ 91 % low" in saved
    assert "Emergency alert sent to Amina Odhiambo, Wanjiku Kamau" in saved
    reading = Vitals.objects.get()
    assert (reading.on_oxygen, reading.consciousness, reading.spo2_scale) == (True, "A", 1)


def test_a_doctors_88_to_92_target_scores_the_next_sets_on_scale_2(staff, ward_patient, client_for):
    patient = ward_patient.patient
    before = record(staff.nurse, patient, STEADY_VALUES | {"spo2": 90}, on_oxygen=True)

    client_for(staff.doctor).post(
        reverse("patient_spo2_target", args=[patient.pk]), {"target_88_92": "1"}
    )
    after = record(staff.nurse, patient, STEADY_VALUES | {"spo2": 90}, on_oxygen=True)

    assert (before.spo2_scale, after.spo2_scale) == (1, 2)
    assert selectors.news2_of_record(before).score == 3 + 2
    assert selectors.news2_of_record(after).score == 0 + 2
    entry = AuditEntry.objects.get(action="patient.spo2_target")
    assert entry.actor_id == staff.doctor.pk and entry.after == {"spo2_target_88_92": True}


def test_a_nurse_may_not_set_the_oxygen_target(staff, ward_patient, client_for):
    patient = ward_patient.patient

    response = client_for(staff.nurse).post(
        reverse("patient_spo2_target", args=[patient.pk]), {"target_88_92": "1"}
    )

    assert response.status_code == 403
    patient.refresh_from_db()
    assert not patient.spo2_target_88_92


def emergencies_to(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="news2")
        .order_by("id")
        .values_list("text", flat=True)
    )


def acknowledge(user, note: str = "Reviewed, fluids started") -> None:
    from messaging.services import notification_acknowledge

    waiting = Notification.objects.get(recipient=user, kind="news2", acknowledged_at__isnull=True)
    notification_acknowledge(actor=user, notification_id=waiting.pk, note=note)


def test_a_patient_still_scoring_7_raises_no_second_emergency_while_the_first_waits(
    staff, ward_patient
):
    record(staff.nurse, ward_patient.patient, HIGH)

    again = record(staff.nurse, ward_patient.patient, HIGH)
    lower = record(staff.nurse, ward_patient.patient, MEDIUM)

    assert len(emergencies_to(staff.doctor)) == 1
    first = Vitals.objects.order_by("id").first()
    assert again.alert_event == lower.alert_event == first.alert_event != ""
    assert Notification.objects.filter(kind="news2").count() == 2  # the doctor and the admin


def test_once_acknowledged_a_set_still_at_7_alerts_again(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, HIGH)
    acknowledge(staff.doctor)

    record(staff.nurse, ward_patient.patient, HIGH)

    texts = emergencies_to(staff.doctor)
    assert len(texts) == 2 and all(t.startswith("Emergency: NEWS2 9") for t in texts)
    assert (
        Notification.objects.filter(recipient=staff.doctor, acknowledged_at__isnull=True).count()
        == 1
    )


def test_a_rise_from_5_to_7_alerts_as_an_emergency_though_the_urgent_alert_waits(
    staff, ward_patient
):
    record(staff.nurse, ward_patient.patient, MEDIUM)

    record(staff.nurse, ward_patient.patient, HIGH)

    texts = emergencies_to(staff.doctor)
    assert [t.split(",")[0] for t in texts] == ["Urgent: NEWS2 5", "Emergency: NEWS2 9"]
    assert len(told()) == 2 and "Wanjiku Kamau" in told()  # the admin hears of the emergency


def test_a_red_parameter_waiting_is_outranked_by_nothing_but_an_emergency(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, STEADY_VALUES, consciousness="C")

    record(staff.nurse, ward_patient.patient, MEDIUM)

    assert len(emergencies_to(staff.doctor)) == 1


def test_an_alert_of_an_earlier_stay_does_not_silence_this_one(staff, ward_patient):
    record(staff.nurse, ward_patient.patient, HIGH)
    Vitals.objects.update(recorded_at=ward_patient.admitted_at - timedelta(days=3))

    record(staff.nurse, ward_patient.patient, HIGH)

    assert len(emergencies_to(staff.doctor)) == 2


def test_the_nurse_is_told_the_waiting_alert_covers_the_set(staff, ward_patient, client_for):
    first = record(staff.nurse, ward_patient.patient, HIGH)
    nurse = client_for(staff.nurse)
    url = reverse("patient_vitals", args=[ward_patient.patient.pk])
    form = {k: str(v) for k, v in HIGH.items()} | {"supply": "air", "consciousness": "A"}

    html = nurse.post(url, form, follow=True).content.decode()

    at = timezone.localtime(first.recorded_at).strftime("%H:%M")
    assert (
        f"Emergency: no new alert, the emergency alert of {at} was still waiting for "
        "acknowledgement." in html
    )
    assert len(emergencies_to(staff.doctor)) == 1


def test_a_role_without_record_vitals_is_refused_by_the_service_itself(staff, ward_patient):
    with pytest.raises(PermissionDenied):
        record(staff.receptionist, ward_patient.patient, HIGH)

    assert not Vitals.objects.exists() and not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action="vitals.record").exists()


def test_a_role_without_record_vitals_gets_403_and_nothing_is_saved(
    staff, ward_patient, client_for
):
    url = reverse("patient_vitals", args=[ward_patient.patient.pk])
    form = {k: str(v) for k, v in HIGH.items()} | {"supply": "air", "consciousness": "A"}

    for user in (staff.receptionist, staff.pharmacist, staff.patient_user):
        assert client_for(user).post(url, form).status_code == 403, user.role

    assert not Vitals.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_the_doctor_sees_the_alert_arrive_over_the_websocket(staff_async):
    from tests.messaging.test_consumer import socket_for

    doctor, patient, nurse = staff_async
    client = await sync_to_async(sign_in)(Client(), doctor)
    await sync_to_async(client.get)("/dashboard/")
    socket = socket_for(client)
    await socket.connect()

    await sync_to_async(record)(nurse, patient, HIGH)

    fragment = await socket.receive_from(timeout=5)
    assert "Emergency: NEWS2 9" in fragment and 'data-testid="bell-count">1<' in fragment
    await socket.disconnect()


@pytest.fixture
def staff_async(make_user):
    doctor = make_user(rbac.DOCTOR)
    nurse = make_user(rbac.NURSE)
    admission = AdmissionFactory(attending_doctor=doctor)
    return doctor, admission.patient, nurse
