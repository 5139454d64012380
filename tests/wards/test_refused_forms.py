"""A refused transfer, discharge order or bed action answers its page again: the message beside
its field, what was typed still in it, and nothing changed."""

import pytest
from django.urls import reverse

from tests.factories import PatientFactory
from wards import services
from wards.models import Admission, AdmissionStatus, BedStatus, BedStay

pytestmark = pytest.mark.usefixtures("charge_master")
TOO_LONG = "x" * 10_000


@pytest.fixture
def ward(staff):
    return services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=3
    )


@pytest.fixture
def admission(staff, ward):
    return services.admission_create(
        actor=staff.receptionist,
        patient=PatientFactory(),
        attending_doctor=staff.doctor,
        bed=ward.beds.order_by("number").first(),
        reason="Pneumonia",
    )


def test_an_over_long_transfer_reason_is_said_beside_it(staff, ward, admission, client_for):
    to_bed = ward.beds.exclude(pk=admission.bed_id).order_by("number").first()
    typed = "Needs oxygen " + TOO_LONG

    response = client_for(staff.receptionist).post(
        reverse("admission_transfer", args=[admission.pk]), {"bed": to_bed.pk, "reason": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_reason"' in page and "Reason: at most 200 characters" in page
    assert typed in page
    assert f'<option value="{to_bed.pk}" selected>' in page
    assert Admission.objects.get(pk=admission.pk).bed_id == admission.bed_id
    assert BedStay.objects.filter(admission=admission).count() == 1
    to_bed.refresh_from_db()
    assert to_bed.status == BedStatus.VACANT


def test_a_transfer_without_a_reason_asks_for_one(staff, ward, admission, client_for):
    to_bed = ward.beds.exclude(pk=admission.bed_id).order_by("number").first()

    response = client_for(staff.receptionist).post(
        reverse("admission_transfer", args=[admission.pk]), {"bed": to_bed.pk, "reason": " "}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_reason"' in page and "Give the reason for the transfer." in page
    assert Admission.objects.get(pk=admission.pk).bed_id == admission.bed_id


def test_a_discharge_order_without_a_diagnosis_keeps_the_summary(staff, admission, client_for):
    response = client_for(staff.doctor).post(
        reverse("discharge_order", args=[admission.pk]),
        {"final_diagnosis": "", "treatment_given": "IV antibiotics for 5 days"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_final_diagnosis"' in page and "is-invalid" in page
    assert "IV antibiotics for 5 days" in page
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED and admission.discharge_ordered_at is None


def test_an_over_long_discharge_diagnosis_is_said_beside_it(staff, admission, client_for):
    typed = "Pneumonia " + TOO_LONG

    response = client_for(staff.doctor).post(
        reverse("discharge_order", args=[admission.pk]), {"final_diagnosis": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_final_diagnosis"' in page and typed in page
    admission.refresh_from_db()
    assert admission.discharge_ordered_at is None


def test_a_bed_action_without_a_state_is_said_on_its_tile(staff, ward, client_for):
    bed = ward.beds.order_by("number").first()
    bed.status = BedStatus.CLEANING
    bed.save(update_fields=["status"])

    response = client_for(staff.receptionist).post(
        reverse("bed_status", args=[bed.pk]),
        {"status": "sparkling"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="bed-board",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="bed-{bed.pk}-error"' in page and "Choose the bed&#x27;s new state." in page
    bed.refresh_from_db()
    assert bed.status == BedStatus.CLEANING
