"""The patient portal speaks to a patient (issue 15, item 8): no staff wording, no permission
lists, no state machine's names, dates in words, the invoice as a labelled download."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinical.models import AppointmentStatus, Prescription
from hms import rbac
from tests.factories import AppointmentFactory, EncounterFactory, LabOrderFactory, invoice_issued

NAIROBI = ZoneInfo("Africa/Nairobi")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=NAIROBI)
# Tuesday 1 December 2026, 10:30 in the hospital's zone.
NEXT_VISIT = datetime(2026, 12, 1, 10, 30, tzinfo=NAIROBI)

STAFF_WORDING = (
    "What your role can do",
    "What I can do",
    "register new patients",
    "check patients in",
    "Your work",
    "Messages with colleagues",
    "the patient pays",
    "dashboard",
)
# The state machines' own names: an appointment's, an invoice's (values and the desk's labels).
STATE_NAMES = (
    "checked_in",
    "no_show",
    "partially_paid",
    "Scheduled",
    "Draft",
    "Issued",
    "No-show",
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def portal(staff, charge_master, client_for):
    """Mary's portal with one of everything: a visit booked, one seen, a prescription, an issued
    invoice, a verified result."""
    booked = AppointmentFactory(
        patient=staff.patient,
        doctor=staff.doctor,
        starts_at=NEXT_VISIT,
        ends_at=NEXT_VISIT + timedelta(minutes=15),
    )
    seen = AppointmentFactory(
        patient=staff.patient,
        doctor=staff.doctor,
        starts_at=NOW - timedelta(days=7),
        ends_at=NOW - timedelta(days=7) + timedelta(minutes=15),
        status=AppointmentStatus.NO_SHOW,
    )
    encounter = EncounterFactory(patient=staff.patient, doctor=staff.doctor)
    Prescription.objects.create(
        encounter=encounter,
        doctor=staff.doctor,
        patient=staff.patient,
        drug="Amoxicillin",
        strength="500 mg",
        dose="1 capsule",
        frequency="three times a day",
        duration="5 days",
    )
    invoice = invoice_issued(staff.receptionist, staff.patient, "NURS-DRESS")
    LabOrderFactory(verified=True, patient=staff.patient, ordered_by=staff.doctor)
    return {
        "client": client_for(staff.patient_user),
        "booked": booked,
        "seen": seen,
        "invoice": invoice,
        "pages": {
            "home": reverse("dashboard"),
            "summary": reverse("portal_summary"),
            "appointments": reverse("appointment_list"),
            "appointment": reverse("appointment_detail", args=[booked.pk]),
            "record": reverse("patient_chart", args=[staff.patient.pk]),
            "invoices": reverse("portal_invoices"),
            "prescriptions": reverse("portal_prescriptions"),
            "results": reverse("lab_portal_results"),
        },
    }


def words_of(client, url: str) -> str:
    """What the patient reads on the page: the text of its main part (or the fragment)."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    main = html.split('<main id="main"', 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


@pytest.mark.parametrize(
    "page",
    [
        "home",
        "summary",
        "appointments",
        "appointment",
        "record",
        "invoices",
        "prescriptions",
        "results",
    ],
)
def test_no_portal_page_uses_staff_words_state_names_or_capabilities(portal, page):
    text = words_of(portal["client"], portal["pages"][page])

    for words in STAFF_WORDING:
        assert words.lower() not in text.lower(), f"{page}: {words!r}"
    for name in STATE_NAMES:
        assert not re.search(rf"\b{re.escape(name)}\b", text), f"{page}: {name!r}"
    for capability, label in rbac.CAPABILITY_LABELS.items():
        assert capability not in text and label not in text, f"{page}: {capability}"


def test_the_portal_writes_the_visits_dates_in_words_with_the_patients_state_words(portal):
    home = words_of(portal["client"], portal["pages"]["summary"])
    listed = words_of(portal["client"], portal["pages"]["appointments"])
    one = words_of(portal["client"], portal["pages"]["appointment"])

    assert "Tuesday 1 December 2026, 10:30" in home
    assert "Tuesday 1 December 2026, 10:30" in listed and "Booked" in listed
    assert "Monday 23 November 2026, 09:00" in listed and "Missed" in listed
    assert "Tuesday 1 December 2026, 10:30" in one and "Booked" in one
    assert "Your hospital number" in one


def test_the_invoice_is_a_labelled_download_dated_in_words(portal):
    client, invoice = portal["client"], portal["invoice"]

    page = client.get(portal["pages"]["invoices"]).content.decode()

    button = re.search(r'<a class="btn[^"]*" href="([^"]+)"[^>]*data-testid="invoice-pdf"', page)
    assert button and "Download invoice (PDF)" in page
    assert client.get(button.group(1)).status_code == 200
    assert f"{timezone.localtime(invoice.issued_at).day} November 2026" in words_of(
        client, portal["pages"]["invoices"]
    )


def test_prescriptions_and_results_download_with_their_labels_dated_in_words(portal):
    prescriptions = words_of(portal["client"], portal["pages"]["prescriptions"])
    results = words_of(portal["client"], portal["pages"]["results"])

    assert "Monday 30 November 2026" in prescriptions
    assert "Download prescription (PDF)" in prescriptions
    assert "30 November 2026" in results


def test_the_desk_still_reads_its_own_words_on_the_same_appointment(portal, staff, client_for):
    desk = words_of(client_for(staff.receptionist), portal["pages"]["appointment"])

    assert "Scheduled" in desk and "MRN" in desk and "Your hospital number" not in desk
