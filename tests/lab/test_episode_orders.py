"""The admission page's tests are the episode's: those ordered on the stay, those of the
consultation that led to it (the morning's CBC), the outpatient orders placed while it lasted;
never an older visit's or another stay's."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import AdmissionFactory, EncounterFactory, LabOrderFactory, LabTestFactory


def test_the_admission_panel_shows_the_admitting_consultations_tests(staff, client_for):
    now = timezone.now()
    admission = AdmissionFactory(admitted_at=now - timedelta(hours=2))
    patient = admission.patient
    this_morning = EncounterFactory(patient=patient, started_at=now - timedelta(hours=5))
    last_month = EncounterFactory(patient=patient, started_at=now - timedelta(days=30))
    shown = {
        "CBC of the admitting consultation": LabOrderFactory(
            patient=patient,
            encounter=this_morning,
            ordered_at=now - timedelta(hours=5),
            test=LabTestFactory(name="Full blood count (morning)"),
        ),
        "ordered on the stay": LabOrderFactory(
            patient=patient,
            admission=admission,
            ordered_at=now - timedelta(hours=1),
            test=LabTestFactory(name="Blood culture on the ward"),
        ),
    }
    hidden = {
        "last month's visit": LabOrderFactory(
            patient=patient,
            encounter=last_month,
            ordered_at=now - timedelta(days=30),
            test=LabTestFactory(name="Lipid profile last month"),
        ),
        "another patient's": LabOrderFactory(
            ordered_at=now - timedelta(hours=1), test=LabTestFactory(name="Someone else's urea")
        ),
    }
    url = reverse("lab_orders_panel", args=[patient.pk]) + f"?admission={admission.pk}"

    html = client_for(staff["doctor"]).get(url).content.decode()

    for why, order in shown.items():
        assert order.test.name in html, why
    for why, order in hidden.items():
        assert order.test.name not in html, why
    assert "No tests ordered" not in html
