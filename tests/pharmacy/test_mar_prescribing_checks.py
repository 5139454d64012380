"""An inpatient's medication orders and the prescribing checks: active orders count as running
medicines when a doctor prescribes in a consultation, and a new order on the medication chart
meets the same checks (allergy stop with its override reason, cross-reactivity, duplicate
therapy, maximum dose, interactions) as a prescription does."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinical import services as clinical
from clinical.models import AllergenClass, AllergySeverity
from hms.models import AuditEntry
from hms.submissions import new_token
from pharmacy import services
from pharmacy.models import MedicationOrder
from tests.factories import AdmissionFactory, EncounterFactory, FormularyItemFactory, UserFactory
from tests.pharmacy.mar_rx import ordered

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor():
    return UserFactory(role="doctor", first_name="Amina", last_name="Odhiambo")


@pytest.fixture
def stay(doctor):
    return AdmissionFactory(attending_doctor=doctor)


@pytest.fixture
def amoxicillin():
    return FormularyItemFactory(
        generic_name="Amoxicillin",
        form="capsule",
        strength="500 mg",
        dispensing_unit="capsule",
        allergen_classes=["penicillins"],
        max_daily_dose_mg=Decimal("3000"),
    )


@pytest.fixture
def ibuprofen():
    return FormularyItemFactory(
        generic_name="Ibuprofen", strength="400 mg", allergen_classes=["nsaids"]
    )


@pytest.fixture
def enalapril():
    return FormularyItemFactory(generic_name="Enalapril", strength="10 mg")


def penicillin_allergy(patient):
    clinical.allergy_record(
        actor=UserFactory(role="nurse"),
        patient=patient,
        allergen_class=AllergenClass.PENICILLINS,
        reaction="hives",
        severity=AllergySeverity.SEVERE,
    )


def prescribe(doctor, encounter, item, **fields):
    line = {"dose": "1 tablet", "route": "oral", "frequency": "TDS", "duration": "5 days"}
    return clinical.prescription_add(
        actor=doctor, encounter=encounter, formulary_item=item, **(line | fields)
    )


def order(stay, item, doctor, **fields):
    fields = {"dose": "1 tablet", "units_per_dose": 1} | fields
    return ordered(stay, item, doctor=doctor, read_warnings=False, **fields)


# --- an inpatient's active orders are running medicines for a consultation's checks -----------


def test_an_active_inpatient_order_is_duplicate_therapy_for_a_consultations_prescription(
    doctor, stay, ibuprofen
):
    order(stay, ibuprofen, doctor)
    encounter = EncounterFactory(doctor=doctor, patient=stay.patient)

    with pytest.raises(clinical.PrescribingStopped) as stopped:
        prescribe(doctor, encounter, ibuprofen)

    (warning,) = stopped.value.warnings
    assert (
        warning.message == f"Duplicate therapy: {ibuprofen.name} is already active (the same drug)."
    )


def test_an_active_inpatient_order_interacts_with_a_consultations_prescription(
    doctor, stay, ibuprofen, enalapril
):
    order(stay, enalapril, doctor, frequency="od")
    encounter = EncounterFactory(doctor=doctor, patient=stay.patient)

    with pytest.raises(clinical.PrescribingStopped) as stopped:
        prescribe(doctor, encounter, ibuprofen)

    (warning,) = stopped.value.warnings
    assert "Interaction (serious)" in warning.message and enalapril.name in warning.message


def test_a_stopped_order_and_a_discharged_stays_orders_no_longer_count(doctor, stay, ibuprofen):
    stopped_order = order(stay, ibuprofen, doctor)
    services.medication_order_stop(actor=doctor, order=stopped_order, reason="Pain settled")
    earlier = AdmissionFactory(attending_doctor=doctor)
    order(earlier, ibuprofen, doctor)
    earlier.discharged_at = earlier.admitted_at
    earlier.status = "discharged"
    earlier.save(update_fields=["discharged_at", "status"])

    for patient in (stay.patient, earlier.patient):
        line = prescribe(doctor, EncounterFactory(doctor=doctor, patient=patient), ibuprofen)
        assert line.warnings_confirmed == []


# --- a new order on the medication chart meets the same checks --------------------------------


def test_an_order_of_an_allergic_class_is_stopped_with_the_allergy_named_and_nothing_ordered(
    doctor, stay, amoxicillin
):
    penicillin_allergy(stay.patient)

    with pytest.raises(clinical.PrescribingStopped) as stopped:
        order(stay, amoxicillin, doctor, dose="500 mg", allergy_override_reason="  ")

    assert stopped.value.field == "drug"
    assert "allergic to Penicillins, severe" in str(stopped.value) and "hives" in str(stopped.value)
    assert not MedicationOrder.objects.exists()


def test_the_doctor_overrides_an_allergy_on_the_chart_with_a_reason_kept_and_audited(
    doctor, stay, amoxicillin
):
    penicillin_allergy(stay.patient)

    placed = order(
        stay,
        amoxicillin,
        doctor,
        dose="500 mg",
        allergy_override_reason="Tolerated a full course in 2024 under observation",
    )

    assert placed.allergy_override_reason.startswith("Tolerated a full course")
    audit = AuditEntry.objects.get(action="pharmacy.medication_order_allergy_override")
    assert "Tolerated" in audit.after["reason"] and "Penicillins" in audit.after["allergies"][0]


def test_a_second_order_of_the_same_class_warns_until_confirmed_and_keeps_the_warning(
    doctor, stay, ibuprofen
):
    order(stay, ibuprofen, doctor)
    diclofenac = FormularyItemFactory(
        generic_name="Diclofenac", strength="50 mg", allergen_classes=["nsaids"]
    )

    with pytest.raises(clinical.PrescribingStopped) as stopped:
        order(stay, diclofenac, doctor)
    (warning,) = stopped.value.warnings
    second = order(stay, diclofenac, doctor, warnings_confirmed=[warning.code])

    assert "also one of the nsaids" in warning.message
    assert second.warnings_confirmed == [warning.message]
    assert MedicationOrder.objects.count() == 2


def test_an_order_interacting_with_a_running_outpatient_prescription_warns(
    doctor, stay, ibuprofen, enalapril
):
    encounter = EncounterFactory(doctor=doctor, patient=stay.patient)
    prescribe(doctor, encounter, enalapril, frequency="OD", duration="30 days")

    with pytest.raises(clinical.PrescribingStopped) as stopped:
        order(stay, ibuprofen, doctor)

    assert "Interaction (serious)" in stopped.value.warnings[0].message


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"dose": "1 g", "frequency": "qds"}, "1 g qds is 4 g a day"),
        # A PRN order: the most doses in 24 hours is its most a day.
        (
            {"dose": "1 g", "frequency": "prn", "prn_max_per_24h": 6, "indication": "pain"},
            "is 6 g a day",
        ),
    ],
)
def test_an_order_above_the_items_maximum_a_day_warns(doctor, stay, amoxicillin, fields, words):
    with pytest.raises(clinical.PrescribingStopped) as stopped:
        order(stay, amoxicillin, doctor, **fields)

    assert words in stopped.value.warnings[0].message
    assert "maximum of 3 g a day" in stopped.value.warnings[0].message


def test_the_chart_shows_the_allergy_stop_then_takes_the_override_reason(
    doctor, stay, amoxicillin, client_for
):
    penicillin_allergy(stay.patient)
    client = client_for(doctor)
    url = reverse("medication_order_new", args=[stay.pk])
    typed = {
        "drug": "Amoxicillin",
        "item": amoxicillin.pk,
        "dose": "500 mg",
        "units_per_dose": "1",
        "route": "oral",
        "frequency": "tds",
    }

    refused = client.post(url, typed | {"submission": new_token()})
    text = refused.content.decode()
    overridden = client.post(
        url,
        typed | {"submission": new_token(), "allergy_override_reason": "Tolerated it in 2024"},
    )

    assert refused.status_code == 200
    assert 'data-testid="allergy-block"' in text and "allergic to Penicillins" in text
    assert 'data-testid="override-reason"' in text and 'value="500 mg"' in text
    assert overridden.status_code == 302
    assert MedicationOrder.objects.get().allergy_override_reason == "Tolerated it in 2024"
    chart = client.get(reverse("medication_chart", args=[stay.pk])).content.decode()
    assert "Ordered despite an allergy: Tolerated it in 2024" in chart


def test_the_chart_asks_to_confirm_a_warning_then_orders(doctor, stay, ibuprofen, client_for):
    order(stay, ibuprofen, doctor)
    client = client_for(doctor)
    url = reverse("medication_order_new", args=[stay.pk])
    typed = {
        "drug": "Ibuprofen",
        "item": ibuprofen.pk,
        "dose": "1 tablet",
        "units_per_dose": "1",
        "route": "oral",
        "frequency": "tds",
    }

    refused = client.post(url, typed | {"submission": new_token()})
    code = refused.context["stopped"].warnings[0].code
    unticked = client.post(url, typed | {"submission": new_token(), "warning_codes": code})
    confirmed = client.post(
        url,
        typed | {"submission": new_token(), "warning_codes": code, "warnings_read": "on"},
    )

    assert 'data-testid="prescribing-warning"' in refused.content.decode()
    assert unticked.status_code == 200
    assert confirmed.status_code == 302
    assert MedicationOrder.objects.count() == 2
