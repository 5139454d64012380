"""Allergies and the prescribing checks, at the service level (so the API and any later screen
meet them too) and on the consultation screen: an allergy stops the drug with the allergy named,
the doctor may override only with a reason (audited, printed), penicillin/cephalosporin
cross-reactivity, duplicate therapy, a dose above the maximum and the interaction table warn."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinical import services
from clinical.models import AllergenClass, AllergySeverity, DrugInteraction, Prescription
from hms import rbac
from hms.models import AuditEntry
from tests.factories import EncounterFactory, FormularyItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(make_user):
    return make_user(rbac.DOCTOR)


@pytest.fixture
def nurse(make_user):
    return make_user(rbac.NURSE)


@pytest.fixture
def encounter(doctor):
    return EncounterFactory(doctor=doctor)


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
def ceftriaxone():
    return FormularyItemFactory(
        generic_name="Ceftriaxone",
        form="injection",
        strength="1 g",
        dispensing_unit="vial",
        allergen_classes=["cephalosporins"],
    )


def _penicillin_allergy(nurse, patient):
    return services.allergy_record(
        actor=nurse,
        patient=patient,
        allergen_class=AllergenClass.PENICILLINS,
        reaction="hives",
        severity=AllergySeverity.SEVERE,
    )


def _prescribe(doctor, encounter, item, **fields):
    line = {"dose": "1 capsule", "route": "oral", "frequency": "TDS", "duration": "5 days"}
    line |= fields
    return services.prescription_add(actor=doctor, encounter=encounter, formulary_item=item, **line)


def test_prescribing_a_drug_of_an_allergic_class_is_stopped_with_the_allergy_named(
    doctor, nurse, encounter, amoxicillin
):
    _penicillin_allergy(nurse, encounter.patient)

    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, encounter, amoxicillin)

    assert stopped.value.field == "drug"
    assert "allergic to Penicillins" in str(stopped.value) and "hives" in str(stopped.value)
    assert not Prescription.objects.exists()


@pytest.mark.parametrize(
    ("typed", "allergen_class"),
    [
        ("Amoxycillin", "penicillins"),  # the spelling common in Kenya
        ("Amoxicilin", "penicillins"),  # a typo
        ("Co-amoxiclav", "penicillins"),
        ("Ampiclox", "penicillins"),
        ("Phenoxymethylpenicillin", "penicillins"),
        ("Cefadroxil", "cephalosporins"),  # the cef- stem
        ("Mefenamic acid", "nsaids"),
        ("Meloxicam", "nsaids"),
        ("Voltaren", "nsaids"),
        ("Etoricoxib", "nsaids"),
        ("Bactrim", "sulfonamides"),
        ("Sulphadoxine-pyrimethamine", "sulfonamides"),
    ],
)
def test_a_drug_typed_as_free_text_is_stopped_by_its_name_brand_stem_or_a_typo(
    doctor, nurse, encounter, typed, allergen_class
):
    services.allergy_record(
        actor=nurse,
        patient=encounter.patient,
        allergen_class=allergen_class,
        reaction="rash",
        severity=AllergySeverity.MODERATE,
    )
    line = {"dose": "1 tablet", "route": "oral", "frequency": "BD", "duration": "5 days"}

    with pytest.raises(services.PrescribingStopped) as stopped:
        services.prescription_add(
            actor=doctor, encounter=encounter, drug=typed, outside=True, quantity=10, **line
        )

    assert f"{typed} is stopped" in str(stopped.value)
    assert not Prescription.objects.exists()


@pytest.mark.parametrize(
    "typed",
    ["Ferrous sulfate", "Magnesium sulphate", "Morphine sulfate", "Clotrimazole", "Cetirizine"],
)
def test_a_sulfate_salt_or_a_look_alike_name_is_not_taken_for_a_sulfa_drug(
    doctor, nurse, encounter, typed
):
    services.allergy_record(
        actor=nurse,
        patient=encounter.patient,
        allergen_class="sulfonamides",
        reaction="rash",
        severity=AllergySeverity.MODERATE,
    )
    line = {"dose": "1 tablet", "route": "oral", "frequency": "BD", "duration": "5 days"}

    added = services.prescription_add(
        actor=doctor, encounter=encounter, drug=typed, outside=True, quantity=10, **line
    )

    assert added.allergy_override_reason == ""


def test_the_doctor_overrides_an_allergy_only_with_a_reason_which_is_audited_and_printed(
    doctor, nurse, encounter, amoxicillin, client_for
):
    _penicillin_allergy(nurse, encounter.patient)
    with pytest.raises(services.PrescribingStopped):
        _prescribe(doctor, encounter, amoxicillin, allergy_override_reason="  ")

    line = _prescribe(
        doctor,
        encounter,
        amoxicillin,
        allergy_override_reason="Tolerated a full course in 2024 under observation",
    )

    assert line.allergy_override_reason.startswith("Tolerated a full course")
    override = AuditEntry.objects.get(action="prescription.allergy_override")
    assert (
        "Tolerated" in override.after["reason"] and "Penicillins" in override.after["allergies"][0]
    )
    pdf_html = client_for(doctor).get(reverse("prescription_pdf", args=[encounter.pk]))
    assert pdf_html.status_code == 200


def test_a_penicillin_allergy_warns_on_a_cephalosporin_and_a_confirmation_lets_it_through(
    doctor, nurse, encounter, ceftriaxone
):
    _penicillin_allergy(nurse, encounter.patient)

    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, encounter, ceftriaxone, dose="1 vial", frequency="OD")
    assert not stopped.value.blocks
    (warning,) = stopped.value.warnings
    assert warning.message.startswith("Cross-reactivity") and "cephalosporins" in warning.message

    line = _prescribe(
        doctor,
        encounter,
        ceftriaxone,
        dose="1 vial",
        frequency="OD",
        warnings_confirmed=[warning.code],
    )
    assert line.warnings_confirmed == [warning.message]


def test_the_same_drug_or_class_already_active_warns_as_duplicate_therapy(doctor, encounter):
    ibuprofen = FormularyItemFactory(generic_name="Ibuprofen", allergen_classes=["nsaids"])
    diclofenac = FormularyItemFactory(
        generic_name="Diclofenac", strength="50 mg", allergen_classes=["nsaids"]
    )
    _prescribe(doctor, encounter, ibuprofen, dose="1 tablet")

    with pytest.raises(services.PrescribingStopped) as same_drug:
        _prescribe(doctor, encounter, ibuprofen, dose="1 tablet")
    with pytest.raises(services.PrescribingStopped) as same_class:
        _prescribe(doctor, encounter, diclofenac, dose="1 tablet")

    assert "Duplicate therapy" in same_drug.value.warnings[0].message
    assert "the same drug" in same_drug.value.warnings[0].message
    assert "also one of the nsaids" in same_class.value.warnings[0].message


def test_a_prescription_of_an_earlier_visit_still_running_counts_as_active(doctor, encounter):
    ibuprofen = FormularyItemFactory(generic_name="Ibuprofen", allergen_classes=["nsaids"])
    _prescribe(doctor, encounter, ibuprofen, dose="1 tablet", duration="2 weeks")
    later = EncounterFactory(doctor=doctor, patient=encounter.patient)

    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, later, ibuprofen, dose="1 tablet")

    assert "Duplicate therapy" in stopped.value.warnings[0].message


def test_a_dose_above_the_items_maximum_a_day_warns(doctor, encounter, amoxicillin):
    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, encounter, amoxicillin, dose="2 capsules", frequency="QID")

    assert "4 g a day" in stopped.value.warnings[0].message
    assert "maximum of 3 g" in stopped.value.warnings[0].message


def test_a_pair_in_the_interaction_table_warns_with_its_source(doctor, encounter):
    enalapril = FormularyItemFactory(generic_name="Enalapril", strength="10 mg")
    ibuprofen = FormularyItemFactory(generic_name="Ibuprofen", allergen_classes=["nsaids"])
    _prescribe(doctor, encounter, enalapril, dose="1 tablet", frequency="OD")

    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, encounter, ibuprofen, dose="1 tablet")

    (warning,) = stopped.value.warnings
    assert "Interaction (serious)" in warning.message and "BNF" in warning.message


def test_a_deactivated_pair_no_longer_warns(doctor, encounter, make_user):
    pharmacist = make_user(rbac.PHARMACIST)
    pair = DrugInteraction.objects.get(first="enalapril", second="nsaids")
    services.drug_interaction_deactivate(actor=pharmacist, interaction=pair)
    enalapril = FormularyItemFactory(generic_name="Enalapril", strength="10 mg")
    ibuprofen = FormularyItemFactory(generic_name="Ibuprofen", allergen_classes=["nsaids"])
    _prescribe(doctor, encounter, enalapril, dose="1 tablet", frequency="OD")

    line = _prescribe(doctor, encounter, ibuprofen, dose="1 tablet")

    assert line.warnings_confirmed == []


def test_receptions_registration_note_is_read_by_the_checks(doctor, encounter, amoxicillin):
    encounter.patient.allergies = "Penicillin (rash as a child)"
    encounter.patient.save(update_fields=["allergies"])

    with pytest.raises(services.PrescribingStopped) as stopped:
        _prescribe(doctor, encounter, amoxicillin)

    assert stopped.value.blocks


def test_no_known_allergies_is_stated_and_withdrawn_by_a_recorded_allergy(nurse, encounter):
    patient = encounter.patient
    services.patient_no_known_allergies(actor=nurse, patient=patient)
    patient.refresh_from_db()
    assert patient.no_known_allergies_at is not None

    _penicillin_allergy(nurse, patient)

    patient.refresh_from_db()
    assert patient.no_known_allergies_at is None
    with pytest.raises(services.AllergyError):
        services.patient_no_known_allergies(actor=nurse, patient=patient)


def test_an_other_allergy_needs_its_words_and_a_receptionist_may_not_record(
    nurse, encounter, make_user
):
    with pytest.raises(services.AllergyError) as unnamed:
        services.allergy_record(actor=nurse, patient=encounter.patient, allergen_class="other")
    with pytest.raises(PermissionDenied, match="Only a doctor or a nurse records allergies"):
        services.allergy_record(
            actor=make_user(rbac.RECEPTIONIST),
            patient=encounter.patient,
            allergen_class="latex",
        )
    assert unnamed.value.field == "allergen"


def test_the_chart_banner_says_not_recorded_none_known_or_the_allergies(
    doctor, nurse, encounter, client_for
):
    client = client_for(doctor)
    chart = reverse("patient_chart", args=[encounter.patient.pk])
    assert 'data-testid="allergies-not-recorded"' in client.get(chart).content.decode()

    services.patient_no_known_allergies(actor=nurse, patient=encounter.patient)
    assert "No known allergies" in client.get(chart).content.decode()

    _penicillin_allergy(nurse, encounter.patient)
    page = client.get(chart).content.decode()
    assert 'data-testid="allergy"' in page and "Penicillins" in page


def test_a_nurse_records_an_allergy_from_the_allergies_page(nurse, encounter, client_for):
    client = client_for(nurse)
    url = reverse("patient_allergies", args=[encounter.patient.pk])

    refused = client.post(
        url, {"allergen_class": "other", "reaction": "wheeze", "severity": "unknown"}
    )
    response = client.post(
        url, {"allergen_class": "sulfonamides", "reaction": "rash", "severity": "moderate"}
    )

    assert "Name the allergen" in refused.content.decode() and 'value="wheeze"' in (
        refused.content.decode()
    )
    assert response.status_code == 302
    assert encounter.patient.allergy_records.get().allergen_class == "sulfonamides"


def test_the_consultation_form_shows_the_block_then_takes_the_override_reason(
    doctor, nurse, encounter, amoxicillin, client_for
):
    _penicillin_allergy(nurse, encounter.patient)
    client = client_for(doctor)
    url = reverse("prescription_add", args=[encounter.pk])
    line = {
        "drug": "Amoxicillin",
        "formulary_item": str(amoxicillin.pk),
        "dose": "1 capsule",
        "route": "oral",
        "frequency": "TDS",
        "duration": "5 days",
        "instructions": "after food",
    }

    stopped = client.post(url, line).content.decode()
    done = client.post(url, line | {"allergy_override_reason": "Desensitised in 2025"})

    assert 'data-testid="allergy-block"' in stopped and "allergic to Penicillins" in stopped
    assert 'name="allergy_override_reason"' in stopped and 'value="after food"' in stopped
    assert done.status_code == 302
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert "Prescribed despite an allergy: Desensitised in 2025" in page


def test_the_consultation_form_asks_to_confirm_a_warning_then_adds_the_line(
    doctor, encounter, client_for
):
    ibuprofen = FormularyItemFactory(generic_name="Ibuprofen", allergen_classes=["nsaids"])
    client = client_for(doctor)
    url = reverse("prescription_add", args=[encounter.pk])
    line = {
        "drug": "Ibuprofen",
        "formulary_item": str(ibuprofen.pk),
        "dose": "1 tablet",
        "route": "oral",
        "frequency": "TDS",
        "duration": "5 days",
    }
    assert client.post(url, line).status_code == 302

    warned = client.post(url, line).content.decode()
    confirmed = client.post(
        url, line | {"warnings_read": "on", "warning_codes": "duplicate:ibuprofen"}
    )

    assert "Duplicate therapy" in warned and 'name="warnings_read"' in warned
    assert confirmed.status_code == 302
    assert Prescription.objects.filter(drug="Ibuprofen").count() == 2


def test_the_pharmacist_adds_and_deactivates_a_pair_on_the_interaction_screen(
    make_user, client_for
):
    client = client_for(make_user(rbac.PHARMACIST))

    client.post(
        reverse("interaction_list"),
        {
            "first": "Ciprofloxacin",
            "second": "artemether-lumefantrine",
            "severity": "caution",
            "advice": "Both prolong the QT interval.",
            "source": "Coartem SmPC",
        },
    )
    pair = DrugInteraction.objects.get(first="artemether-lumefantrine", second="ciprofloxacin")
    client.post(reverse("interaction_deactivate", args=[pair.pk]))

    pair.refresh_from_db()
    assert not pair.active
    assert AuditEntry.objects.filter(action="interaction.deactivate").exists()


def test_the_interaction_list_is_paged_with_a_bounded_number_of_queries(
    make_user, client_for, django_assert_max_num_queries
):
    client = client_for(make_user(rbac.PHARMACIST))

    with django_assert_max_num_queries(12):
        page = client.get(reverse("interaction_list")).content.decode()

    assert "in all" in page and "enalapril + nsaids" in page


def test_a_reason_too_short_to_read_is_refused_beside_its_box(
    doctor, nurse, encounter, amoxicillin, client_for
):
    _penicillin_allergy(nurse, encounter.patient)
    line = {
        "drug": "Amoxicillin",
        "formulary_item": str(amoxicillin.pk),
        "dose": "1 capsule",
        "route": "oral",
        "frequency": "TDS",
        "duration": "5 days",
        "allergy_override_reason": "ok",
    }

    page = client_for(doctor).post(
        reverse("prescription_add", args=[encounter.pk]), line, headers={"HX-Request": "true"}
    )

    body = page.content.decode()
    assert "at least 5 characters" in body and "\nok</textarea>" in body
    # The stop is said once, under the drug (not again beside the drug box).
    assert body.count("allergic to Penicillins") == 1
    assert not Prescription.objects.exists()


def test_no_route_is_assumed_for_a_drug_typed_by_hand(doctor, encounter, client_for):
    line = {"drug": "Ceftriaxone", "strength": "1 g", "outside": "on", "quantity": "1"}
    line |= {"dose": "1 g", "frequency": "once a day", "duration": "5 days"}

    page = client_for(doctor).post(
        reverse("prescription_add", args=[encounter.pk]), line, headers={"HX-Request": "true"}
    )

    assert "Choose the route, e.g. by mouth." in page.content.decode()
    assert not Prescription.objects.exists()


def test_the_formulary_search_marks_the_items_the_patients_allergy_stops(
    doctor, nurse, encounter, amoxicillin, client_for
):
    FormularyItemFactory(generic_name="Amoxapine")  # an antidepressant: not a penicillin
    _penicillin_allergy(nurse, encounter.patient)
    client = client_for(doctor)
    url = reverse("formulary_pick")

    marked = client.get(url, {"q": "amox", "pick_patient": str(encounter.patient.pk)})
    other = client.get(url, {"q": "amox", "pick_patient": str(EncounterFactory().patient.pk)})
    nobody = client.get(url, {"q": "amox", "pick_patient": "not-an-id"})

    page = marked.content.decode()
    assert page.count('data-testid="pick-allergy"') == 1
    assert "Allergy: Penicillins" in page and "Amoxapine" in page
    assert 'data-testid="pick-allergy"' not in other.content.decode()
    assert 'data-testid="pick-allergy"' not in nobody.content.decode()
