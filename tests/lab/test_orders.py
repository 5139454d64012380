"""Ordering tests: from a consultation or an admission, one charge per test, gapless numbers,
cancelling (the charge reversed with a visible line), and what is refused."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing.models import Charge, ChargeItem
from clinical.models import PatientState
from hms import rbac
from hms.models import AuditEntry
from lab import services
from lab.models import OrderStatus, TestOrder
from tests.factories import cleared_for_discharge
from tests.lab.conftest import advance, at_once, make_patient, order
from wards import services as wards


def test_ordering_from_a_consultation_posts_one_charge_per_test_at_its_price(
    staff, catalog, consultation
):
    patient = make_patient()
    visit = consultation(patient)

    cbc, glucose = order(staff, catalog, patient, "CBC", "RBS", encounter=visit)

    charges = {c.source: c for c in Charge.objects.filter(patient=patient)}
    assert len(charges) == 2
    for placed, price, code in ((cbc, "1200.00", "LAB-CBC"), (glucose, "400.00", "LAB-RBS")):
        charge = charges[f"lab.TestOrder:{placed.pk}"]
        assert (charge.item.code, charge.unit_price, charge.amount) == (
            code,
            Decimal(price),
            Decimal(price),
        )
        assert charge.admission_id is None and placed.number in charge.description
        assert placed.encounter == visit and placed.status == OrderStatus.PENDING
        assert placed.due_at - placed.ordered_at == timedelta(
            minutes=placed.test.turnaround_minutes
        )
    assert AuditEntry.objects.filter(action="lab.order", patient_id=str(patient.pk)).count() == 2


def test_an_inpatients_tests_are_charged_to_the_admission(staff, catalog, admit):
    patient = make_patient()
    admission = admit(patient)

    (xray,) = order(staff, catalog, patient, "XR-CHEST", admission=admission, priority="urgent")

    charge = Charge.objects.get(source=f"lab.TestOrder:{xray.pk}")
    assert charge.admission == admission and charge.unit_price == Decimal("2500.00")
    assert xray.admission == admission and xray.machine_type == "xray"


def test_each_test_of_an_order_gets_its_own_gapless_number(staff, catalog):
    patient = make_patient()

    placed = order(staff, catalog, patient, "CBC", "UEC", "URINE")
    numbers = [o.number for o in placed]
    year, first = numbers[0].split("-")[1], int(numbers[0].rsplit("-", 1)[1])
    assert numbers == [f"LAB-{year}-{first + n:06d}" for n in range(3)]

    # An order refused half-way (the second test cannot be charged) uses no number at all.
    ChargeItem.objects.filter(code="LAB-BS-MPS").update(active=False)
    with pytest.raises(services.LabError, match="Malaria blood smear cannot be charged"):
        order(staff, catalog, patient, "RBS", "BS-MPS")
    assert TestOrder.objects.filter(patient=patient).count() == 3
    assert Charge.objects.filter(patient=patient).count() == 3

    (xray,) = order(staff, catalog, patient, "XR-CHEST")
    xray_year = xray.number.split("-")[1]
    assert (xray_year, xray.number) == (year, f"LAB-{year}-{first + 3:06d}")


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.COLLECTED])
def test_cancelling_an_order_not_started_reverses_its_charge_with_a_visible_line(
    staff, catalog, client_for, status
):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")
    if status == OrderStatus.COLLECTED:
        advance(cbc, OrderStatus.COLLECTED, staff["tech"])

    page = client_for(staff["doctor"]).post(
        reverse("lab_order_cancel", args=[cbc.pk]),
        {"reason": "Ordered for the wrong patient"},
        follow=True,
    )

    assert f"{cbc.number} cancelled; its charge was reversed." in page.content.decode()
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.CANCELLED and cbc.cancelled_by == staff["doctor"]
    assert cbc.cancel_reason == "Ordered for the wrong patient"
    original = Charge.objects.get(source=f"lab.TestOrder:{cbc.pk}", reversal_of__isnull=True)
    reversal = Charge.objects.get(reversal_of=original)
    assert reversal.amount == Decimal("-1200.00")
    account = client_for(staff["accountant"]).get(reverse("patient_account", args=[patient.pk]))
    html = account.content.decode()
    assert f"Reversal: Full blood count ({cbc.number}) ({cbc.number} cancelled)" in html
    assert "Total <strong>KES 0.00</strong>" in html


def test_cancelling_a_test_the_lab_has_started_is_refused_and_nothing_changes(
    staff, catalog, client_for
):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")
    advance(cbc, OrderStatus.COLLECTED, staff["tech"])
    advance(cbc, OrderStatus.IN_PROGRESS, staff["tech"])
    doctor = client_for(staff["doctor"])

    refused = doctor.post(
        reverse("lab_order_cancel", args=[cbc.pk]), {"reason": "Not needed"}, follow=True
    ).content.decode()
    no_reason = doctor.post(
        reverse("lab_order_cancel", args=[cbc.pk]), {"reason": " "}, follow=True
    )

    assert (
        f"{cbc.number} is in progress: only a test the lab has not started on can be cancelled"
        in refused
    )
    assert "Give the reason for cancelling the test." in no_reason.content.decode()
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.IN_PROGRESS and cbc.cancelled_at is None
    assert Charge.objects.filter(patient=patient).count() == 1
    assert not AuditEntry.objects.filter(action="lab.cancel").exists()


def test_a_test_still_open_cannot_be_ordered_again_until_it_is_cancelled(staff, catalog):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")

    with pytest.raises(
        services.LabError,
        match=rf"Already ordered and not done yet: Full blood count \({cbc.number}\)",
    ):
        order(staff, catalog, patient, "RBS", "CBC")

    assert list(TestOrder.objects.filter(patient=patient)) == [cbc]
    assert Charge.objects.filter(patient=patient).count() == 1
    services.order_cancel(actor=staff["doctor"], order=cbc, reason="Duplicate")
    (again,) = order(staff, catalog, patient, "CBC")
    assert again.status == OrderStatus.PENDING and again.number != cbc.number


def test_a_discharged_admission_or_an_archived_patient_cannot_have_tests_ordered(
    staff, catalog, admit
):
    patient = make_patient()
    admission = admit(patient)
    wards.discharge_order(
        actor=staff["doctor"], admission=admission, summary={"final_diagnosis": "Malaria"}
    )
    cleared_for_discharge(admission)
    wards.discharge_process(actor=staff["reception"], admission=admission)
    archived = make_patient(state=PatientState.ARCHIVED)

    with pytest.raises(services.LabError, match="has been discharged"):
        order(staff, catalog, patient, "CBC", admission=admission)
    with pytest.raises(services.LabError, match="archived: reactivate it"):
        order(staff, catalog, archived, "CBC")

    assert not TestOrder.objects.exists() and not Charge.objects.filter(source__startswith="lab.")


@pytest.mark.parametrize(
    "role",
    [rbac.NURSE, rbac.LAB_TECHNICIAN, rbac.RECEPTIONIST, rbac.ACCOUNTANT, rbac.PATIENT],
)
def test_only_a_doctor_orders_or_cancels_tests(
    staff, catalog, consultation, make_user, client_for, role
):
    patient = make_patient()
    visit = consultation(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", encounter=visit)
    user = make_user(role)
    client = client_for(user)

    ordered = client.post(
        reverse("lab_order_new"),
        {"encounter": visit.pk, "tests": [catalog["RBS"].pk], "priority": "stat"},
    )
    cancelled = client.post(reverse("lab_order_cancel", args=[cbc.pk]), {"reason": "No"})

    assert ordered.status_code == cancelled.status_code == 403
    assert list(TestOrder.objects.all()) == [cbc]
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.PENDING
    assert Charge.objects.count() == 1
    with pytest.raises(PermissionDenied, match="Only a doctor can order"):
        services.order_tests(actor=user, patient=patient, tests=[catalog["RBS"]])
    with pytest.raises(PermissionDenied, match="Only a doctor can cancel"):
        services.order_cancel(actor=user, order=cbc, reason="No")


def test_a_doctor_orders_from_the_consultation_screen_and_sees_the_order_in_its_panel(
    staff, catalog, consultation, client_for
):
    patient = make_patient()
    visit = consultation(patient)
    doctor = client_for(staff["doctor"])

    form = doctor.get(reverse("lab_order_new"), {"encounter": visit.pk}).content.decode()
    placed = doctor.post(
        reverse("lab_order_new"),
        {
            "encounter": visit.pk,
            "tests": [catalog["CBC"].pk, catalog["BS-MPS"].pk],
            "priority": "stat",
            "clinical_notes": "Fever 39.8 °C",
        },
    )
    panel = doctor.get(
        reverse("lab_orders_panel", args=[patient.pk]), {"encounter": visit.pk}
    ).content.decode()

    choices = form.split('data-testid="test-choices"')[1]
    assert re.search(r"Full blood count\b.{0,120}?KES 1,200\.00", choices, re.S)
    assert placed.status_code == 302
    assert placed["Location"] == reverse("encounter", args=[visit.pk])
    orders = list(TestOrder.objects.filter(encounter=visit).order_by("number"))
    assert [o.test.code for o in orders] == ["CBC", "BS-MPS"]
    assert all(o.priority == "stat" and o.clinical_notes == "Fever 39.8 °C" for o in orders)
    assert panel.count('data-testid="lab-panel-row"') == 2
    for placed_order in orders:
        assert placed_order.number in panel and placed_order.test.name in panel
    assert "STAT" in panel and "Pending" in panel


def test_an_order_the_service_refuses_is_explained_on_the_form(staff, catalog, admit, client_for):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    page = client_for(staff["doctor"]).post(
        reverse("lab_order_new"),
        {"admission": admission.pk, "tests": [catalog["CBC"].pk], "priority": "routine"},
    )

    assert page.status_code == 200
    assert f"Already ordered and not done yet: Full blood count ({cbc.number})" in (
        page.content.decode()
    )
    assert TestOrder.objects.count() == 1


def test_an_inpatient_order_from_the_admission_screen_goes_back_to_the_admission(
    staff, catalog, admit, client_for
):
    patient = make_patient()
    admission = admit(patient)

    placed = client_for(staff["doctor"]).post(
        reverse("lab_order_new"),
        {"admission": admission.pk, "tests": [catalog["RBS"].pk], "priority": "urgent"},
    )

    assert placed["Location"] == reverse("admission_detail", args=[admission.pk])
    (glucose,) = TestOrder.objects.all()
    assert glucose.admission == admission
    assert Charge.objects.get(source=f"lab.TestOrder:{glucose.pk}").admission == admission


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_doctors_ordering_the_same_test_at_once_get_one_order_and_one_charge(
    staff, catalog, make_user
):
    patient = make_patient()
    colleague = make_user(rbac.DOCTOR)

    outcome = at_once(
        *(
            lambda doctor=doctor: services.order_tests(
                actor=doctor, patient=patient, tests=[catalog["CBC"]]
            )
            for doctor in (staff["doctor"], colleague)
        )
    )

    kinds = sorted(type(o).__name__ for o in outcome)
    assert kinds == ["LabError", "list"], outcome
    refusal = next(o for o in outcome if isinstance(o, services.LabError))
    assert "Already ordered and not done yet" in str(refusal)
    assert TestOrder.objects.filter(patient=patient).count() == 1
    assert Charge.objects.filter(patient=patient).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_placed_at_once_for_different_patients_get_consecutive_numbers(staff, catalog):
    patients = [make_patient() for _ in range(4)]

    outcome = at_once(
        *(
            lambda p=p: services.order_tests(
                actor=staff["doctor"], patient=p, tests=[catalog["CBC"], catalog["RBS"]]
            )
            for p in patients
        )
    )

    assert all(isinstance(o, list) for o in outcome), outcome
    numbers = sorted(int(o.number.rsplit("-", 1)[1]) for placed in outcome for o in placed)
    assert numbers == list(range(numbers[0], numbers[0] + 8))


def test_a_double_tap_on_order_orders_and_charges_once(staff, catalog, consultation, client_for):
    patient = make_patient()
    visit = consultation(patient)
    doctor = client_for(staff["doctor"])
    form = {
        "encounter": visit.pk,
        "tests": [catalog["RBS"].pk],
        "priority": "routine",
        "submission": "5d2b8c7e-1f0a-4f7b-9a61-3c9e2d1b7f40",
    }

    first = doctor.post(reverse("lab_order_new"), form)
    second = doctor.post(reverse("lab_order_new"), form)

    assert first.status_code == second.status_code == 302
    assert TestOrder.objects.filter(patient=patient).count() == 1
    assert Charge.objects.filter(patient=patient).count() == 1
