"""The inpatient record and the nurse's home cost the same number of queries with a 60-bed ward
full of patients as with 3: the admission page (with many notes and addenda, vitals, medication
orders and tests of the stay) and its medication and test panels, the nurse's home with its lists
(vitals due and overdue, newest admissions, patients by NEWS2, overdue doses) and the doctor's own
inpatients. Each page is read once at each size under the same bound."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from clinical.models import Allergy, Vitals
from pharmacy.models import MedicationOrder
from tests.factories import (
    AdmissionFactory,
    BedFactory,
    FormularyItemFactory,
    LabOrderFactory,
    PatientFactory,
    WardFactory,
)
from tests.vitals_sets import NOW, STEADY_SET
from wards.models import BedStay, InpatientNote, NoteKind

# The bound of each page, the same for 3 beds and for 60.
NURSE_PAGES = {
    "admission": 13,  # the stays with their beds and wards in one query however many moves
    "medication_panel": 6,
    "lab_panel": 8,
    "dashboard": 5,
    "ward_patients": 7,
    "mar_overdue": 5,
    "mar_round": 14,  # a page of 20 beds, their allergies in one query
    "medication_chart": 10,
}
DOCTOR_PAGES = {"admission": 17, "doctor_inpatients": 7}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def full_ward(staff, beds: int):
    """A ward of `beds` beds, every one occupied under Dr Odhiambo: each patient with a set of
    vitals (every third scoring 7, overdue), a three-times-daily order started yesterday (its
    morning dose not given: overdue) and a test; the first admitted today (the newest
    list: admitted four hours ago). The stay looked at (bed 1) also has 30 notes with an addendum each, 40 sets of vitals,
    8 orders, 12 tests, and a move through another ward's bed for every ten beds. Returns that stay."""
    ward = WardFactory(name="Medical Ward")
    item = FormularyItemFactory(generic_name="Paracetamol")
    stays = []
    for number in range(1, beds + 1):
        stays.append(
            AdmissionFactory(
                bed=BedFactory(ward=ward, number=str(number)),
                patient=PatientFactory(first_name=f"Bed{number}", last_name="Otieno"),
                attending_doctor=staff.doctor,
                admitted_at=NOW - timedelta(hours=4 if number == 1 else 30 + number),
            )
        )
    vitals = [
        Vitals(
            patient=stay.patient,
            recorded_by=staff.nurse,
            recorded_at=NOW - timedelta(hours=1),
            **(STEADY_SET | ({"respiratory_rate": 25, "pulse": 131} if n % 3 == 0 else {})),
        )
        for n, stay in enumerate(stays)
    ]
    looked_at = stays[0]
    # Moved through a bed of another ward for every tenth bed of the ward, before this one.
    for moves in range(beds // 10):
        elsewhere = BedFactory(ward=WardFactory(name=f"Ward {moves}"), number="1")
        BedStay.objects.create(
            admission=looked_at,
            bed=elsewhere,
            ward=elsewhere.ward,
            started_at=NOW - timedelta(hours=4, minutes=30 - moves),
            ended_at=NOW - timedelta(hours=4, minutes=29 - moves),
        )
    vitals += [
        Vitals(
            patient=looked_at.patient,
            recorded_by=staff.nurse,
            recorded_at=NOW - timedelta(minutes=90 + minutes),
            **STEADY_SET,
        )
        for minutes in range(0, 40 * 2, 2)
    ]
    Vitals.objects.bulk_create(vitals)
    Allergy.objects.bulk_create(
        Allergy(
            patient=stay.patient,
            allergen_class="penicillins",
            reaction="hives",
            severity="severe",
            recorded_at=NOW - timedelta(days=30),
            recorded_by=staff.nurse,
        )
        for stay in stays
    )
    orders = [(stay, 1) for stay in stays] + [(looked_at, 7)]
    MedicationOrder.objects.bulk_create(
        MedicationOrder(
            admission=stay,
            patient=stay.patient,
            item=item,
            dose="1 g",
            units_per_dose=2,
            route="oral",
            frequency="tds",
            # Started yesterday, or at the admission if that was later (no dose falls due
            # before the patient was admitted: session 33).
            start_at=max(NOW - timedelta(hours=20), stay.admitted_at),
            ordered_by=staff.doctor,
            ordered_at=max(NOW - timedelta(hours=20), stay.admitted_at),
        )
        for stay, count in orders
        for _ in range(count)
    )
    for stay in stays:
        LabOrderFactory(patient=stay.patient, admission=stay, ordered_by=staff.doctor)
    for n in range(11):
        LabOrderFactory(
            patient=looked_at.patient, admission=looked_at, ordered_by=staff.doctor, verified=n % 2
        )
    notes = InpatientNote.objects.bulk_create(
        InpatientNote(
            admission=looked_at,
            kind=NoteKind.NURSING,
            author=staff.nurse,
            written_at=NOW - timedelta(minutes=100 - n),
            text=f"Observation round {n}.",
        )
        for n in range(30)
    )
    InpatientNote.objects.bulk_create(
        InpatientNote(
            admission=looked_at,
            kind=NoteKind.WARD_ROUND,
            author=staff.doctor,
            written_at=note.written_at + timedelta(minutes=1),
            text="Seen on the round.",
            addendum_to=note,
        )
        for note in notes
    )
    return looked_at


def _urls(stay) -> dict:
    return {
        "admission": reverse("admission_detail", args=[stay.pk]),
        "medication_panel": reverse("medication_panel", args=[stay.pk]),
        "lab_panel": reverse("lab_orders_panel", args=[stay.patient_id]) + f"?admission={stay.pk}",
        "dashboard": reverse("dashboard"),
        "ward_patients": reverse("ward_patients"),
        "mar_overdue": reverse("mar_overdue"),
        "mar_round": reverse("mar_round") + f"?ward={stay.bed.ward_id}",
        "medication_chart": reverse("medication_chart", args=[stay.pk]),
        "doctor_inpatients": reverse("doctor_inpatients"),
    }


@pytest.mark.parametrize("beds", [3, 60])
def test_the_nurses_pages_keep_their_queries_as_the_ward_fills(
    staff, client_for, django_assert_max_num_queries, beds
):
    stay = full_ward(staff, beds)
    client = client_for(staff.nurse)
    urls = _urls(stay)
    client.get(urls["dashboard"])  # the session and the user, read once
    pages = {}

    for name, bound in NURSE_PAGES.items():
        with django_assert_max_num_queries(bound):
            pages[name] = client.get(urls[name], headers={"HX-Request": "true"})

    assert all(page.status_code == 200 for page in pages.values())
    admission = pages["admission"].content.decode()
    assert admission.count('data-testid="note"') == 20  # a page of the 30
    assert "The chart shows 41 readings since the admission" in admission
    panel = pages["ward_patients"].content.decode()
    assert panel.count("Otieno") >= beds
    # Each order's 22:00 and 06:00 doses are overdue (its 14:00 one is due now), but for those
    # of bed 1's stay, ordered at its admission four hours ago.
    # The allergies are on every page a dose is ordered or given from.
    for name in ("admission", "medication_chart"):
        assert 'data-testid="allergy">Penicillins<' in pages[name].content.decode(), name
    round_page = pages["mar_round"].content.decode()
    assert round_page.count("Penicillins (severe: hives)") == min(beds, 20)
    overdue = pages["mar_overdue"].content.decode()
    assert f'data-testid="mar-overdue-count">{2 * (beds - 1)}<' in overdue


@pytest.mark.parametrize("beds", [3, 60])
def test_the_doctors_pages_keep_their_queries_as_the_ward_fills(
    staff, client_for, django_assert_max_num_queries, beds
):
    stay = full_ward(staff, beds)
    client = client_for(staff.doctor)
    urls = _urls(stay)
    client.get(urls["dashboard"])
    pages = {}

    for name, bound in DOCTOR_PAGES.items():
        with django_assert_max_num_queries(bound):
            pages[name] = client.get(urls[name], headers={"HX-Request": "true"})

    admission = pages["admission"].content.decode()
    assert "Paracetamol" in admission  # the discharge order opens with the chart's medicines
    assert f"{beds} inpatients" in pages["doctor_inpatients"].content.decode()
