"""Demo records of wards: four wards with beds, a few patients admitted, a bed being cleaned, and
the admitted patients' first observations (so the nurse's home shows NEWS2 and what is due).

The severe malaria came in through the Emergency Unit last night, 19 hours before seeding, and
moved to the Intensive Care Unit three hours later (its medication chart starts there:
pharmacy.demo_mar); the others were admitted as the demo is loaded."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from clinical import services as clinical_services
from clinical.models import Consciousness, Patient, PatientState, Vitals
from hms.demo_clock import DemoClock
from wards import services
from wards.models import Admission, Bed, BedStatus, BedStatusChange, Ward

DEMO_WARDS = [
    ("Intensive Care Unit", "icu", "WARD-ICU", 6),
    ("General Ward A", "general", "WARD-GEN", 20),
    ("Private Wing", "private", "WARD-PRV", 8),
    ("Emergency Unit", "emergency", "WARD-EMR", 8),
]


def _demo_status(bed: Bed, status: str) -> None:
    """A demo bed put in a state no service move reaches from vacant (a bed being cleaned), with
    its history row, as wards.services._set_bed writes it."""
    now = timezone.now()
    BedStatusChange.objects.create(bed=bed, from_status=bed.status, to_status=status, at=now)
    Bed.objects.filter(pk=bed.pk).update(status=status, status_changed_at=now)


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    nurse = User.objects.filter(username="nurse").first()
    doctor = User.objects.filter(username="doctor").first()
    for name, kind, code, beds in DEMO_WARDS:
        if not Ward.objects.filter(name=name).exists():
            services.ward_create(actor=admin, name=name, kind=kind, charge_code=code, beds=beds)
    if Admission.objects.exists() or not (nurse and doctor):
        _observe(nurse)
        _write_notes(doctor, nurse)
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
        if ward == "Intensive Care Unit":
            _admit_through_emergency(nurse, doctor, patient, bed, reason)
            continue
        services.admission_create(
            actor=nurse,
            patient=patient,
            attending_doctor=doctor,
            bed=bed,
            reason=reason,
            advance_deposit=Decimal("10000.00"),
        )
    for ward, number, status in [
        ("General Ward A", "07", BedStatus.CLEANING),
        ("Private Wing", "08", BedStatus.MAINTENANCE),
    ]:
        _demo_status(Bed.objects.get(ward__name=ward, number=number), status)
    _observe(nurse)
    _write_notes(doctor, nurse)
    log(
        f"Wards: {Ward.objects.count()}, beds: {Bed.objects.count()}, admitted: {Admission.objects.count()}."
    )


# The severe malaria's night: hours before seeding it arrived in the Emergency Unit's bed 01, moved
# to intensive care, and that bed was cleaned.
THROUGH_EMERGENCY = {"arrived": 19, "moved": 16, "cleaned": 15}


def _admit_through_emergency(
    nurse: User, doctor: User, patient: Patient, bed: Bed, reason: str
) -> Admission:
    """Admit `patient` to the Emergency Unit's bed 01 THROUGH_EMERGENCY["arrived"] hours ago
    and move them to `bed` later, each step through the wards' services at its moment (the
    demo's clock), so the stay, its charges, its audit rows and both beds' histories say so."""
    now = timezone.now()
    emergency = Bed.objects.get(ward__name="Emergency Unit", number="01")
    with DemoClock() as clock:
        clock.set(now - timedelta(hours=THROUGH_EMERGENCY["arrived"]))
        admission = services.admission_create(
            actor=nurse,
            patient=patient,
            attending_doctor=doctor,
            bed=emergency,
            reason=reason,
            advance_deposit=Decimal("10000.00"),
        )
        clock.set(now - timedelta(hours=THROUGH_EMERGENCY["moved"]))
        services.admission_transfer(
            actor=nurse, admission=admission, bed=bed, reason="Needs intensive care"
        )
        clock.set(now - timedelta(hours=THROUGH_EMERGENCY["cleaned"]))
        services.bed_set_status(actor=nurse, bed=emergency, status=BedStatus.VACANT)
    return admission


# The first set of each demo stay, by bed: a NEWS2 of 9 in intensive care (continuous: due again
# within minutes), 5 with pneumonia (hourly), 0 for the foot ulcer (12-hourly); the road traffic
# injury in the Emergency Unit has none yet, so the ward's home shows it due at once.
FIRST_OBSERVATIONS = {
    ("Intensive Care Unit", "01"): {
        "temperature_c": Decimal("39.4"),
        "pulse": 124,
        "systolic": 98,
        "diastolic": 60,
        "respiratory_rate": 23,
        "spo2": 94,
    },
    ("General Ward A", "03"): {
        "temperature_c": Decimal("38.6"),
        "pulse": 104,
        "systolic": 118,
        "diastolic": 74,
        "respiratory_rate": 22,
        "spo2": 95,
    },
    ("General Ward A", "04"): {
        "temperature_c": Decimal("36.9"),
        "pulse": 78,
        "systolic": 132,
        "diastolic": 84,
        "respiratory_rate": 16,
        "spo2": 98,
    },
}


# The pneumonia in General Ward A, bed 03, was watched in the Emergency Unit before the bed was
# free: NEWS2 rising 1, 2, 3 over the night (hours before admission, readings), then 5 on the ward
# (FIRST_OBSERVATIONS), which alerts Dr Otieno and the ward's nurses as urgent.
RISING_BEFORE = {
    ("General Ward A", "03"): [
        (
            9,
            {
                "temperature_c": Decimal("37.6"),
                "pulse": 92,
                "systolic": 124,
                "diastolic": 80,
                "respiratory_rate": 18,
                "spo2": 97,
            },
        ),
        (
            5,
            {
                "temperature_c": Decimal("38.2"),
                "pulse": 96,
                "systolic": 122,
                "diastolic": 78,
                "respiratory_rate": 20,
                "spo2": 96,
            },
        ),
        (
            2,
            {
                "temperature_c": Decimal("38.4"),
                "pulse": 98,
                "systolic": 120,
                "diastolic": 76,
                "respiratory_rate": 20,
                "spo2": 95,
            },
        ),
    ]
}


def _observe(nurse: User | None) -> None:
    """Each demo stay's first observations, once (a stay observed since admission is left),
    recorded through the vitals service on air and alert, so NEWS2 alerts go where they go."""
    if nurse is None:
        return
    for (ward, number), readings in FIRST_OBSERVATIONS.items():
        admission = (
            Admission.objects.filter(bed__ward__name=ward, bed__number=number)
            .filter(discharged_at__isnull=True)
            .first()
        )
        if (
            admission is None
            or Vitals.objects.filter(
                patient=admission.patient_id, recorded_at__gte=admission.admitted_at
            ).exists()
        ):
            continue
        for hours_before, earlier in RISING_BEFORE.get((ward, number), []):
            Vitals.objects.create(
                patient_id=admission.patient_id,
                recorded_by=nurse,
                recorded_at=admission.admitted_at - timedelta(hours=hours_before),
                on_oxygen=False,
                consciousness=Consciousness.ALERT,
                **earlier,
            )
        clinical_services.vitals_record(
            actor=nurse,
            patient=admission.patient,
            values=readings,
            on_oxygen=False,
            consciousness=Consciousness.ALERT,
        )


# Two stays that show the bill of a stay: each patient was seen in clinic this morning (the
# consultation fee posted at check-in) and admitted from there, so the fee joined the stay's bill.
ONE_BILL_STAYS = [
    # (first name, last name, born, sex, phone), bed, reason, deposit, how the stay stands
    (
        ("Mercy", "Chebet", date(1990, 3, 14), "F", "+254712555201"),
        ("General Ward A", "09"),
        "Gastroenteritis with dehydration",
        "2000",
        "exempted",
    ),
    (
        ("Peter", "Kiprono", date(1956, 8, 2), "M", "+254712555202"),
        ("General Ward A", "10"),
        "Observation after a fall",
        "6000",
        "discharged",
    ),
]


def seed_late(log) -> None:
    """One bill per stay, as the desk sees it: Mercy Chebet's discharge is ordered and, owing
    more than her deposit, exempted by the accountant with the reason (the desk completes it);
    Peter Kiprono went home, his deposit covering the bill, whose one invoice holds both the
    clinic's consultation and the ward day. Runs after billing's charge master and clinical's
    patients; made once (the stays' reasons mark them)."""
    from billing import services as billing
    from clinical import services as clinical

    staff = ["reception", "nurse", "doctor", "accountant"]
    users = {u.username: u for u in User.objects.filter(username__in=staff)}
    if (
        len(users) < len(staff)
        or Admission.objects.filter(reason__in=[plan[2] for plan in ONE_BILL_STAYS]).exists()
    ):
        return
    for (first, last, born, sex, phone), (ward, number), reason, deposit, outcome in ONE_BILL_STAYS:
        patient = Patient.objects.filter(first_name=first, last_name=last).first()
        if patient is None:
            patient = clinical.patient_register(
                actor=users["reception"],
                fields={
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": born,
                    "sex": sex,
                    "phone": phone,
                    "address": "Nakuru",
                },
                not_a_duplicate=True,
            )
        billing.charge_post(
            actor=users["reception"],
            patient=patient,
            code="CONSULT",
            description="Doctor's consultation (clinic, this morning)",
            source="demo:one-bill",
        )
        admission = services.admission_create(
            actor=users["nurse"],
            patient=patient,
            attending_doctor=users["doctor"],
            bed=Bed.objects.get(ward__name=ward, number=number),
            reason=reason,
            advance_deposit=Decimal(deposit),
            deposit_mode="mpesa",
            deposit_reference="QKC7T2M9LP" if outcome == "exempted" else "QKD3N8V1RX",
        )
        services.discharge_order(
            actor=users["doctor"], admission=admission, summary={"final_diagnosis": reason}
        )
        if outcome == "exempted":
            billing.discharge_exemption_grant(
                actor=users["accountant"],
                patient=patient,
                admission=admission,
                reason="Hardship waiver approved by the hospital administrator",
            )
        else:
            services.discharge_process(actor=users["reception"], admission=admission)
            draft = admission.invoices.get()
            billing.invoice_issue(actor=users["accountant"], invoice=draft)
    log("Wards: one stay exempted at discharge, one discharged with its one bill.")


# The ward round and the night's nursing notes of two demo stays (once: a stay with notes is left).
DEMO_NOTES = {
    ("Intensive Care Unit", "01"): [
        (
            "doctor",
            "Ward round. Day 1 of IV artesunate. Febrile 39.4, tachycardic, BP holding."
            " Plan: artesunate 2.4 mg/kg at 12 and 24 h, then daily; strict input/output;"
            " glucose 4-hourly; repeat FBC and parasitaemia tomorrow.",
        ),
        ("nurse", "Night: restless until 02:00, tepid sponging for fever, passed 600 ml urine."),
    ],
    ("General Ward A", "03"): [
        (
            "doctor",
            "Ward round. Right lower lobe pneumonia, on IV ceftriaxone. Still febrile, SpO2 95%"
            " on air. Plan: continue antibiotics, chest physiotherapy, review chest X-ray.",
        ),
    ],
}


def _write_notes(doctor: User | None, nurse: User | None) -> None:
    authors = {"doctor": doctor, "nurse": nurse}
    if None in authors.values():
        return
    for (ward, number), notes in DEMO_NOTES.items():
        admission = Admission.objects.filter(
            bed__ward__name=ward, bed__number=number, discharged_at__isnull=True
        ).first()
        if admission is None or admission.notes.exists():
            continue
        for author, text in notes:
            services.note_write(actor=authors[author], admission=admission, text=text)
