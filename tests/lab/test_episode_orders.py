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


def _critical_cbc(patient, encounter, now):
    from lab.models import ResultValue

    order = LabOrderFactory(
        verified=True,
        patient=patient,
        encounter=encounter,
        ordered_at=now - timedelta(hours=5),
        test=LabTestFactory(name="Full blood count"),
    )
    ResultValue.objects.create(
        order=order,
        version=1,
        name="Haemoglobin",
        unit="g/dL",
        value="5.8",
        reference="13.0–17.0",
        flag="LL",
    )
    ResultValue.objects.create(
        order=order, version=1, name="Platelets", unit="×10⁹/L", value="250", reference="150–400"
    )
    return order


def test_the_discharge_order_shows_the_key_results_and_the_summary_prints_every_test(
    staff, client_for
):
    from tests.wards.test_reception_view import pdf_text
    from wards import services as wards

    now = timezone.now()
    admission = AdmissionFactory(admitted_at=now - timedelta(hours=2), diagnosis="Severe anaemia")
    patient = admission.patient
    _critical_cbc(
        patient, EncounterFactory(patient=patient, started_at=now - timedelta(hours=5)), now
    )
    LabOrderFactory(
        patient=patient,
        admission=admission,
        ordered_at=now - timedelta(hours=1),
        test=LabTestFactory(name="Blood culture"),
        status="cancelled",
    )
    LabOrderFactory(
        patient=patient,
        admission=admission,
        ordered_at=now - timedelta(minutes=30),
        test=LabTestFactory(name="Reticulocyte count"),
        carried_over_at=now,
        carried_over_by=staff["doctor"],
        carry_over_reason="repeat at the clinic",
    )
    doctor = client_for(staff["doctor"])

    page = doctor.get(reverse("admission_detail", args=[admission.pk])).content.decode()

    assert 'data-testid="key-results"' in page
    assert "Haemoglobin 5.8 g/dL (critically low)" in page
    assert "Severe anaemia" in page  # the diagnosis the order opens with
    wards.discharge_order(
        actor=staff["doctor"],
        admission=admission,
        summary={
            "final_diagnosis": "Severe anaemia, transfused",
            "procedures": "Blood transfusion, 2 units packed cells",
            "follow_up": "Clinic in two weeks",
        },
    )
    summary = pdf_text(doctor.get(reverse("discharge_summary_pdf", args=[admission.pk])))
    assert "Investigations" in summary
    assert "Haemoglobin 5.8 g/dL (13.0–17.0) CRITICALLY LOW" in summary
    assert "Platelets 250" in summary
    assert "Reticulocyte count" in summary and "no verified result at discharge" in summary
    assert "Blood culture" not in summary  # cancelled
    assert "Blood transfusion, 2 units packed cells" in summary
