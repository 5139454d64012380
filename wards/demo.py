"""Demo records of wards: four wards with beds, a few patients admitted, a bed being cleaned."""

from decimal import Decimal

from accounts.models import User
from clinical.models import Patient, PatientState
from wards import services
from wards.models import Admission, Bed, BedStatus, Ward

DEMO_WARDS = [
    ("Intensive Care Unit", "icu", "WARD-ICU", 6),
    ("General Ward A", "general", "WARD-GEN", 20),
    ("Private Wing", "private", "WARD-PRV", 8),
    ("Emergency Unit", "emergency", "WARD-EMR", 8),
]


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    nurse = User.objects.filter(username="nurse").first()
    doctor = User.objects.filter(username="doctor").first()
    for name, kind, code, beds in DEMO_WARDS:
        if not Ward.objects.filter(name=name).exists():
            services.ward_create(actor=admin, name=name, kind=kind, charge_code=code, beds=beds)
    if Admission.objects.exists() or not (nurse and doctor):
        log(f"Wards: {Ward.objects.count()}, beds: {Bed.objects.count()}.")
        return
    # Admit a few registered patients (not the portal patient, who has appointments).
    candidates = Patient.objects.filter(state=PatientState.REGISTERED).exclude(user__isnull=False)
    plan = [
        ("Intensive Care Unit", "01", "Severe malaria"),
        ("General Ward A", "03", "Pneumonia"),
        ("General Ward A", "04", "Diabetic foot ulcer"),
        ("Emergency Unit", "02", "Road traffic injury"),
    ]
    for patient, (ward, number, reason) in zip(candidates, plan, strict=False):
        bed = Bed.objects.get(ward__name=ward, number=number)
        services.admission_create(
            actor=nurse,
            patient=patient,
            attending_doctor=doctor,
            bed=bed,
            reason=reason,
            advance_deposit=Decimal("10000.00"),
        )
    Bed.objects.filter(ward__name="General Ward A", number="07").update(status=BedStatus.CLEANING)
    Bed.objects.filter(ward__name="Private Wing", number="08").update(status=BedStatus.MAINTENANCE)
    log(
        f"Wards: {Ward.objects.count()}, beds: {Bed.objects.count()}, admitted: {Admission.objects.count()}."
    )
