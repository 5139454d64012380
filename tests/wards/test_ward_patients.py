"""The ward's patients and what is due, as the nurse's home shows them: bed by bed, observations
overdue by NEWS2, discharges waiting, beds to clean; a ward picked stays picked for the shift; the
same number of queries for 6 patients or 60."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from clinical.live import may_join_vitals
from clinical.models import Vitals
from tests.conftest import sign_in
from tests.factories import AdmissionFactory, BedFactory, PatientFactory, WardFactory
from tests.vitals_sets import NOW, STEADY_SET
from wards import selectors
from wards.models import AdmissionStatus, BedStatus


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def admitted(ward, bed_number: str, first_name: str, *, hours_ago: float = 20, **fields):
    return AdmissionFactory(
        bed=BedFactory(ward=ward, number=bed_number),
        patient=PatientFactory(first_name=first_name, last_name="Otieno"),
        admitted_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )


def observed(admission, *, hours_ago: float, **readings) -> Vitals:
    """A complete set (all seven NEWS2 parameters; an incomplete one is never due 12-hourly),
    steady unless `readings` say otherwise."""
    return Vitals.objects.create(
        patient=admission.patient,
        recorded_by=admission.attending_doctor,
        recorded_at=NOW - timedelta(hours=hours_ago),
        **(STEADY_SET | readings),
    )


def ward_tables(page: str) -> str:
    """The panel from the first ward's table on (the nurse's lists above name patients too)."""
    return page[page.index('data-testid="ward"') :]


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name} Otieno<")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_the_nurse_sees_her_wards_patients_with_observations_due_by_news2(staff, client_for):
    ward = WardFactory(name="Medical Ward")
    steady = admitted(ward, "2", "Akinyi")
    observed(steady, hours_ago=5)  # NEWS2 0: 12-hourly, due at 21:00
    fever = admitted(ward, "10", "Baraka")
    observed(fever, hours_ago=5, pulse=111)  # NEWS2 2: 4-hourly, overdue since 13:00
    hypoxic = admitted(ward, "3", "Chebet")
    observed(hypoxic, hours_ago=1.5, spo2=90)  # a 3 in one parameter: hourly, overdue
    new = admitted(ward, "4", "Dalmas", hours_ago=0.5)  # nothing since admission: due at once

    page = client_for(staff.nurse).get(reverse("dashboard"))
    panel = client_for(staff.nurse).get(reverse("ward_patients"), headers={"HX-Request": "true"})

    assert reverse("ward_patients") in page.content.decode()
    whole = panel.content.decode()
    html = ward_tables(whole)
    assert [
        html.index(f">{n} Otieno<") for n in ("Akinyi", "Chebet", "Dalmas", "Baraka")
    ] == sorted(html.index(f">{n} Otieno<") for n in ("Akinyi", "Chebet", "Dalmas", "Baraka")), (
        "bed by bed: 2, 3, 4, 10"
    )
    assert 'data-overdue="true"' not in row_of(html, "Akinyi")
    assert "NEWS2 0" in row_of(html, "Akinyi") and "21:00" in row_of(html, "Akinyi")
    assert 'data-overdue="true"' in row_of(html, "Baraka") and "NEWS2 2" in row_of(html, "Baraka")
    assert 'data-overdue="true"' in row_of(html, "Chebet") and "hourly" in row_of(html, "Chebet")
    assert "None since admission" in row_of(html, "Dalmas")
    assert 'data-overdue="true"' in row_of(html, "Dalmas")
    assert "3 observations overdue" in " ".join(whole.replace("</span>", "").split()).replace(
        '<span class="badge text-bg-danger fs-6">', ""
    )
    for admission in (steady, fever, hypoxic, new):
        assert reverse("admission_detail", args=[admission.pk]) in row_of(
            html, admission.patient.first_name
        )
        assert reverse("patient_vitals", args=[admission.patient.pk]) in row_of(
            html, admission.patient.first_name
        )


def test_the_days_in_and_a_discharge_waiting_show_on_the_row(staff, client_for):
    ward = WardFactory(name="Surgical Ward")
    admitted(
        ward,
        "1",
        "Esther",
        hours_ago=24 * 3 + 2,
        status=AdmissionStatus.DISCHARGE_ORDERED,
        discharge_ordered_at=NOW,
    )

    html = client_for(staff.nurse).get(reverse("ward_patients")).content.decode()

    row = row_of(ward_tables(html), "Esther")
    assert "<td>3</td>" in row
    assert 'data-testid="discharge-waiting"' in row
    assert "1</span> discharge waiting" in html


def test_a_bed_waiting_to_be_cleaned_is_marked_clean_from_the_home(staff, client_for):
    ward = WardFactory(name="Children's Ward")
    bed = BedFactory(ward=ward, number="7", status=BedStatus.CLEANING)
    nurse = client_for(staff.nurse)

    home_panel = nurse.get(
        reverse("ward_patients"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/dashboard/"},
    ).content.decode()
    assert "Bed 7 is clean" in home_panel
    assert 'name="next" value="/dashboard/"' in home_panel

    answer = nurse.post(
        reverse("bed_status", args=[bed.pk]), {"status": "vacant", "next": "/dashboard/"}
    )

    assert answer.status_code == 302 and answer["Location"] == "/dashboard/"
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT


def test_a_ward_picked_stays_picked_until_another_is(staff, client_for):
    medical, surgical = WardFactory(name="Medical Ward"), WardFactory(name="Surgical Ward")
    admitted(medical, "1", "Fatuma")
    admitted(surgical, "1", "Gideon")
    nurse = client_for(staff.nurse)

    everyone = nurse.get(reverse("ward_patients")).content.decode()
    nurse.get(reverse("ward_patients"), {"ward": surgical.pk})
    later = nurse.get(reverse("ward_patients")).content.decode()
    nurse.get(reverse("ward_patients"), {"ward": ""})
    again = nurse.get(reverse("ward_patients")).content.decode()

    assert "Fatuma Otieno" in everyone and "Gideon Otieno" in everyone
    assert "Gideon Otieno" in later and "Fatuma Otieno" not in later
    assert "Fatuma Otieno" in again and "Gideon Otieno" in again


def test_an_unknown_ward_shows_every_ward(staff, client_for):
    admitted(WardFactory(name="Medical Ward"), "1", "Halima")

    html = client_for(staff.nurse).get(reverse("ward_patients"), {"ward": "99999"}).content
    assert "Halima Otieno" in html.decode()


def test_the_stays_shown_narrow_to_a_ward_and_a_doctor_and_leave_closed_wards_out(staff):
    medical, surgical = WardFactory(name="Medical Ward"), WardFactory(name="Surgical Ward")
    closed = WardFactory(name="Old Ward", active=False)
    admitted(medical, "1", "Imani", attending_doctor=staff.doctor)
    admitted(medical, "2", "Juma")
    admitted(surgical, "1", "Kamau", attending_doctor=staff.doctor)
    admitted(closed, "1", "Lulu")

    def names(**narrowed) -> list[str]:
        panel = selectors.ward_patients(staff.nurse, now=NOW, **narrowed)
        return sorted(row["name"] for ward in panel["wards"] for row in ward["rows"])

    assert names() == ["Imani Otieno", "Juma Otieno", "Kamau Otieno"]
    assert names(ward_id=medical.pk) == ["Imani Otieno", "Juma Otieno"]
    assert names(attending=staff.doctor) == ["Imani Otieno", "Kamau Otieno"]
    assert names(ward_id=medical.pk, attending=staff.doctor) == ["Imani Otieno"]
    assert names(ward_id=closed.pk) == []


def test_the_reception_desk_does_not_see_the_wards_observations(staff, client_for):
    assert client_for(staff.receptionist).get(reverse("ward_patients")).status_code == 403


# The session, the user and their second factor (3), the wards, the admissions with their latest vitals' ids, those
# vitals, the beds to clean (4): however many patients.
PANEL_QUERIES = 7


def _ward_of(size: int, name: str):
    ward = WardFactory(name=name)
    for number in range(1, size + 1):
        admission = admitted(ward, str(number), f"P{number}")
        observed(admission, hours_ago=number % 7, pulse=60 + number)
    BedFactory(ward=ward, number="99", status=BedStatus.CLEANING)
    return ward


def test_the_panel_costs_the_same_queries_for_60_patients_as_for_6(
    staff, django_assert_max_num_queries
):
    small = _ward_of(6, "Small Ward")
    nurse = sign_in(Client(), staff.nurse)
    headers = {"HX-Request": "true"}
    nurse.get(reverse("ward_patients"), {"ward": small.pk}, headers=headers)
    with django_assert_max_num_queries(PANEL_QUERIES):
        nurse.get(reverse("ward_patients"), headers=headers)
    large = _ward_of(60, "Large Ward")
    nurse.get(reverse("ward_patients"), {"ward": large.pk}, headers=headers)

    with django_assert_max_num_queries(PANEL_QUERIES):
        page = nurse.get(reverse("ward_patients"), headers=headers)

    assert page.content.decode().count('data-testid="ward-patient"') == 60


def test_only_those_who_see_whole_charts_may_follow_the_vitals_live(staff):
    assert may_join_vitals(staff.nurse, "vitals") and may_join_vitals(staff.doctor, "vitals")
    assert not may_join_vitals(staff.receptionist, "vitals")
    assert not may_join_vitals(staff.patient_user, "vitals")
    assert not may_join_vitals(staff.nurse, "vitals.1")
