"""Reception's "demographics" view of a stay: what it needs to process the discharge and the bill
(dates, ward, bed, doctor, status, who signed the summary), never the clinical content."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import PatientFactory, cleared_for_discharge
from wards import services

DIAGNOSIS = "Plasmodium falciparum malaria"
ADMITTING_DIAGNOSIS = "Suspected severe malaria"
TREATMENT = "IV artesunate three doses"
MEDICATIONS = "Artemether-lumefantrine 80/480"


pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def ordered(staff):
    """An admission whose discharge the doctor has ordered, with its summary."""
    ward = services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=2
    )
    admission = services.admission_create(
        actor=staff.receptionist,
        patient=PatientFactory(first_name="Achieng", last_name="Odhiambo"),
        attending_doctor=staff.doctor,
        bed=ward.beds.get(number="01"),
        reason="Fever for five days",
        diagnosis=ADMITTING_DIAGNOSIS,
    )
    return services.discharge_order(
        actor=staff.doctor,
        admission=admission,
        summary={
            "final_diagnosis": DIAGNOSIS,
            "treatment_given": TREATMENT,
            "discharge_medications": MEDICATIONS,
            "follow_up": "Clinic in one week",
        },
    )


def pdf_text(response) -> str:
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_reception_sees_the_stay_and_who_signed_the_summary_but_no_clinical_content(
    staff, ordered, client_for
):
    page = client_for(staff.receptionist).get(reverse("admission_detail", args=[ordered.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    for clinical in (DIAGNOSIS, ADMITTING_DIAGNOSIS, TREATMENT, MEDICATIONS, "Clinic in one week"):
        assert clinical not in html
    assert "Achieng Odhiambo" in html and "General A bed 01" in html and "Dr Amina Odhiambo" in html
    assert 'data-testid="summary-signed"' in html and "Signed by Dr Amina Odhiambo" in html
    assert reverse("discharge_summary_pdf", args=[ordered.pk]) not in html
    assert 'data-testid="discharge"' in html  # and can complete the discharge


@pytest.mark.parametrize("role", ["doctor", "nurse", "admin"])
def test_doctors_and_nurses_see_the_summary_and_can_print_it(staff, ordered, client_for, role):
    client = client_for(getattr(staff, role))

    html = client.get(reverse("admission_detail", args=[ordered.pk])).content.decode()
    printed = client.get(reverse("discharge_summary_pdf", args=[ordered.pk]))

    assert DIAGNOSIS in html and TREATMENT in html and MEDICATIONS in html
    assert ADMITTING_DIAGNOSIS in html
    assert reverse("discharge_summary_pdf", args=[ordered.pk]) in html
    assert printed.status_code == 200
    text = pdf_text(printed)
    assert DIAGNOSIS in text and MEDICATIONS in text


def test_reception_may_not_print_the_discharge_summary(staff, ordered, client_for):
    response = client_for(staff.receptionist).get(
        reverse("discharge_summary_pdf", args=[ordered.pk])
    )

    assert response.status_code == 403
    assert DIAGNOSIS.encode() not in response.content
    assert MEDICATIONS.encode() not in response.content


def test_reception_still_discharges_after_the_order(staff, ordered, client_for):
    cleared_for_discharge(ordered)

    response = client_for(staff.receptionist).post(
        reverse("discharge_process", args=[ordered.pk]), follow=True
    )

    ordered.refresh_from_db()
    assert response.status_code == 200 and ordered.discharged_at is not None
    assert DIAGNOSIS not in response.content.decode()


def test_the_bed_board_shows_reception_no_clinical_content(staff, ordered, client_for):
    board = client_for(staff.receptionist).get(reverse("bed_board")).content.decode()

    assert "Achieng Odhiambo" in board and "Discharge ordered" in board
    assert ADMITTING_DIAGNOSIS not in board and DIAGNOSIS not in board


def test_reception_editing_a_record_neither_sees_nor_clears_allergies_and_history(
    staff, client_for
):
    patient = PatientFactory(
        allergies="Penicillin",
        medical_history="Asthma since childhood",
        registered_by=staff.receptionist,
    )
    clerk = client_for(staff.receptionist)
    form = clerk.get(reverse("patient_edit", args=[patient.pk])).content.decode()

    saved = clerk.post(
        reverse("patient_edit", args=[patient.pk]),
        {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
            "phone": "0799 000 111",
        },
    )

    patient.refresh_from_db()
    assert "Penicillin" not in form and "Asthma" not in form and 'name="allergies"' not in form
    assert saved.status_code == 302 and patient.phone == "+254799000111"
    assert patient.allergies == "Penicillin" and patient.medical_history == "Asthma since childhood"


def test_the_whole_chart_editing_a_record_sees_the_allergies(staff, client_for):
    patient = PatientFactory(allergies="Penicillin")
    admin = client_for(staff.admin)

    form = admin.get(reverse("patient_edit", args=[patient.pk])).content.decode()

    assert "Penicillin" in form and 'name="allergies"' in form
