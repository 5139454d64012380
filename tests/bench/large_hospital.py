"""A large generated hospital for benchmarks: 50,000 patients, 200 beds, 300 staff and two years of
appointments, consultations with their prescriptions, admissions with their bed stays, lab orders
with results, the pharmacy (a formulary of about 230 items, stores, batches, deliveries, transfers,
every prescription dispensed but the newest: large_pharmacy.py), billing (charges, invoices,
claims, payments) and attendance, on top of the demo hospital (its logins and catalogue), in bulk.

    .venv/bin/python tests/bench/large_hospital.py --patients 2000     # SQLite, a small one
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_large \\
        .venv/bin/python tests/bench/large_hospital.py                  # the full size

From code (Django set up, the database migrated and empty):

    from large_hospital import generate
    counts = generate(patients=50_000, beds=200, staff=300, days=730)

The rows are consistent as the services would leave them: foreign keys valid, numbers taken from
the real number series (MRN, LAB-, INV-, RCT-, CLM-, GRN-, TRF-, DSP- per year, the series left
at the last one), one active admission per bed and per patient, no two live appointments of one
doctor or one patient overlapping (PostgreSQL's exclusion constraints check it), every invoice's
figures from billing.totals over its lines (the check constraints hold), ward days keyed as the
accrual keys them, every stock balance the sum of its movements. What it does not write: audit rows (the hash chain is the services' job; the formulary and
the ward stores, made through the pharmacy's services, have theirs) and documents.
"""

import argparse
import io
import os
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

BATCH = 5000

FIRST_NAMES = [
    "Amina",
    "Brian",
    "Cynthia",
    "Daniel",
    "Esther",
    "Francis",
    "Grace",
    "Hassan",
    "Irene",
    "James",
    "Kevin",
    "Lucy",
    "Mary",
    "Nelson",
    "Olivia",
    "Peter",
    "Queen",
    "Ruth",
    "Samuel",
    "Teresa",
    "Umar",
    "Violet",
    "Walter",
    "Yvonne",
    "Zawadi",
    "Moses",
    "Mercy",
    "Joseph",
    "Faith",
    "David",
    "Naomi",
    "Collins",
    "Beatrice",
    "Dennis",
    "Winnie",
    "Felix",
    "Judith",
    "Victor",
    "Agnes",
    "Kennedy",
]
LAST_NAMES = [
    "Otieno",
    "Wanjiru",
    "Kamau",
    "Achieng",
    "Mwangi",
    "Kiprop",
    "Njeri",
    "Ochieng",
    "Mutua",
    "Wambui",
    "Kariuki",
    "Atieno",
    "Chebet",
    "Omondi",
    "Kiptoo",
    "Nyambura",
    "Were",
    "Langat",
    "Muthoni",
    "Odhiambo",
    "Korir",
    "Wafula",
    "Auma",
    "Ndungu",
    "Kimani",
    "Rotich",
    "Barasa",
    "Makena",
    "Cheruiyot",
    "Onyango",
    "Gitau",
    "Akinyi",
    "Maina",
    "Jepkosgei",
    "Owino",
    "Nduta",
    "Kibet",
    "Adhiambo",
]
DIAGNOSES = [
    ("Malaria, uncomplicated", "B54"),
    ("Upper respiratory tract infection", "J06.9"),
    ("Hypertension", "I10"),
    ("Type 2 diabetes mellitus", "E11.9"),
    ("Gastroenteritis", "A09"),
    ("Urinary tract infection", "N39.0"),
    ("Pneumonia", "J18.9"),
    ("Asthma", "J45.909"),
    ("Low back pain", "M54.5"),
    ("Anaemia", "D64.9"),
]
INSURERS = ["NHIF", "AAR Insurance", "Jubilee Health", "Britam"]
# Extra wards beside the demo's four: name, kind, charge code, share of the remaining beds.
EXTRA_WARDS = [
    ("General Ward B", "general", "WARD-GEN", 0.22),
    ("Maternity Ward", "general", "WARD-GEN", 0.18),
    ("Paediatric Ward", "general", "WARD-GEN", 0.16),
    ("Surgical Ward", "general", "WARD-GEN", 0.18),
    ("High Dependency Unit", "icu", "WARD-ICU", 0.08),
    ("Private Wing East", "private", "WARD-PRV", 0.10),
    ("Emergency Annex", "emergency", "WARD-EMR", 0.08),
]
# Staff by role (the demo's one login per role comes first).
STAFF_SHARES = [
    ("doctor", 0.20),
    ("nurse", 0.40),
    ("receptionist", 0.10),
    ("lab_technician", 0.09),
    ("accountant", 0.05),
    ("pharmacist", 0.05),
    ("engineer", 0.04),
    ("admin", 0.02),
]


@contextmanager
def backdating(*models):
    """auto_now_add off while bulk rows carry their own past times."""
    fields = [f for m in models for f in m._meta.fields if getattr(f, "auto_now_add", False)]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _bulk(model, rows, log=None) -> list:
    rows = list(rows)
    made = []
    for start in range(0, len(rows), BATCH):
        made += model.objects.bulk_create(rows[start : start + BATCH])
    if log:
        log(f"  {model._meta.label}: {len(made):,}")
    return made


class Generator:
    def __init__(self, *, patients, beds, staff, days, seed, log):
        from django.utils import timezone

        self.n_patients, self.n_beds, self.n_staff, self.days = patients, beds, staff, days
        self.rng = random.Random(seed)
        self.log = log
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.first_day = self.today - timedelta(days=days)
        self.series: dict[str, int] = {}

    # --- helpers ----------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, dtime(hour, minute), tzinfo=self.tz)

    def number(self, series: str) -> int:
        from hms.models import NumberSeries

        if series not in self.series:
            row = NumberSeries.objects.filter(name=series).first()
            self.series[series] = row.last if row else 0
        self.series[series] += 1
        return self.series[series]

    def save_series(self) -> None:
        from hms.models import NumberSeries

        for name, last in self.series.items():
            NumberSeries.objects.update_or_create(name=name, defaults={"last": last})

    # --- staff ------------------------------------------------------------------------------

    def make_staff(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import Department, User

        departments = list(Department.objects.all())
        have = User.objects.exclude(role="patient").count()
        password = make_password("bench-staff-2026")
        users = []
        for role, share in STAFF_SHARES:
            for i in range(max(1, round((self.n_staff - have) * share))):
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                users.append(
                    User(
                        username=f"{role[:5]}{i:03d}",
                        role=role,
                        first_name=first,
                        last_name=last,
                        email=f"{role[:5]}{i:03d}@large-hospital.example",
                        password=password,
                        department=self.rng.choice(departments),
                        date_joined=self.now - timedelta(days=self.days + 30),
                    )
                )
        _bulk(User, users, self.log)
        staff = User.objects.exclude(role="patient")
        self.doctors = list(staff.filter(role="doctor").order_by("pk"))
        self.staff = list(staff.order_by("pk"))
        self.nurses = [u for u in self.staff if u.role == "nurse"]
        self.lab_staff = [u for u in self.staff if u.role == "lab_technician"]
        self.desk = [u for u in self.staff if u.role in ("receptionist", "accountant")]

    def make_schedules(self) -> None:
        from clinical.models import DoctorSchedule

        have = set(DoctorSchedule.objects.values_list("doctor_id", flat=True))
        rows = [
            DoctorSchedule(
                doctor=doctor,
                weekday=weekday,
                start_time=dtime(8, 0),
                end_time=dtime(16, 0),
                slot_minutes=15,
                consultation_fee=Decimal("1500.00"),
            )
            for doctor in self.doctors
            if doctor.pk not in have
            for weekday in range(5)
        ]
        _bulk(DoctorSchedule, rows, self.log)

    # --- patients ---------------------------------------------------------------------------

    def make_patients(self) -> None:
        from clinical import selectors
        from clinical.models import Patient

        rows = []
        for _ in range(self.n_patients):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            phone = f"07{self.rng.randrange(10**8):08d}"
            insured = self.rng.random() < 0.3
            registered = self.at(
                self.first_day + timedelta(days=self.rng.randrange(self.days)), 9
            ) + timedelta(minutes=self.rng.randrange(480))
            rows.append(
                Patient(
                    mrn=f"{self.number('mrn'):0{selectors.MRN_DIGITS}d}",
                    first_name=first,
                    last_name=last,
                    date_of_birth=self.today - timedelta(days=self.rng.randrange(1, 90 * 365)),
                    sex=self.rng.choice("FM"),
                    phone=phone,
                    address=f"{self.rng.randrange(1, 400)} {self.rng.choice(LAST_NAMES)} Road",
                    insurance={
                        "provider": self.rng.choice(INSURERS),
                        "policy_number": f"P{self.rng.randrange(10**7):07d}",
                        "coverage_percent": "80",
                        "valid_until": (self.today + timedelta(days=365)).isoformat(),
                    }
                    if insured
                    else {},
                    name_key=selectors.name_key(first, last),
                    phone_digits=selectors.phone_digits(phone),
                    registered_at=registered,
                    registered_by=self.rng.choice(self.desk),
                )
            )
        self.patients = _bulk(Patient, rows, self.log)
        self.coverage = {
            p.pk: (p.insurance["provider"], Decimal("80")) for p in self.patients if p.insurance
        }

    # --- appointments, consultations, prescriptions -----------------------------------------

    def make_appointments(self, per_patient: float) -> None:
        from clinical.models import Appointment, AppointmentStatus

        slot = timedelta(minutes=15)
        taken_doctor, taken_patient = set(), set()
        for doctor_id, patient_id, starts, ends in Appointment.objects.exclude(
            status=AppointmentStatus.CANCELLED
        ).values_list("doctor_id", "patient_id", "starts_at", "ends_at"):
            # Block every 15-minute slot an existing appointment touches.
            t = starts.replace(minute=starts.minute - starts.minute % 15, second=0, microsecond=0)
            while t < ends:
                taken_doctor.add((doctor_id, t))
                taken_patient.add((patient_id, t))
                t += slot
        total = int(self.n_patients * per_patient)
        workdays = [
            self.first_day + timedelta(days=n)
            for n in range(self.days + 15)
            if (self.first_day + timedelta(days=n)).weekday() < 5
        ]
        rows = []
        fee = Decimal("1500.00")
        while len(rows) < total:
            day = self.rng.choice(workdays)
            doctor = self.rng.choice(self.doctors)
            starts = self.at(day, 8) + slot * self.rng.randrange(32)
            patient = self.rng.choice(self.patients)
            if (doctor.pk, starts) in taken_doctor or (patient.pk, starts) in taken_patient:
                continue
            taken_doctor.add((doctor.pk, starts))
            taken_patient.add((patient.pk, starts))
            roll = self.rng.random()
            if day < self.today:
                status = (
                    AppointmentStatus.COMPLETED
                    if roll < 0.84
                    else AppointmentStatus.NO_SHOW
                    if roll < 0.92
                    else AppointmentStatus.CANCELLED
                )
            elif day == self.today and starts < self.now:
                status = AppointmentStatus.CHECKED_IN
            else:
                status = AppointmentStatus.SCHEDULED
            booked = starts - timedelta(days=self.rng.randrange(1, 14))
            rows.append(
                Appointment(
                    patient=patient,
                    doctor=doctor,
                    starts_at=starts,
                    ends_at=starts + slot,
                    status=status,
                    reason=self.rng.choice(DIAGNOSES)[0],
                    fee=fee,
                    booked_by=self.rng.choice(self.desk),
                    created_at=booked,
                    checked_in_at=starts - timedelta(minutes=10)
                    if status in (AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)
                    else None,
                    completed_at=starts + slot if status == AppointmentStatus.COMPLETED else None,
                    cancelled_at=booked + timedelta(hours=2)
                    if status == AppointmentStatus.CANCELLED
                    else None,
                )
            )
        rows.sort(key=lambda a: a.starts_at)
        self.appointments = _bulk(Appointment, rows, self.log)

    def make_formulary(self) -> None:
        from large_pharmacy import Pharmacy

        self.pharmacy = Pharmacy(self, _bulk)
        self.pharmacy.make_formulary()

    def make_consultations(self, waiting_prescriptions: int) -> None:
        from billing.models import Charge, ChargeItem
        from clinical.models import AppointmentStatus, Encounter, Prescription

        done = [a for a in self.appointments if a.status == AppointmentStatus.COMPLETED]
        encounters = []
        for appointment in done:
            diagnosis, code = self.rng.choice(DIAGNOSES)
            encounters.append(
                Encounter(
                    patient_id=appointment.patient_id,
                    doctor_id=appointment.doctor_id,
                    appointment=appointment,
                    status=Encounter.Status.COMPLETED,
                    started_at=appointment.starts_at,
                    completed_at=appointment.completed_at,
                    complaints="Fever and headache for three days.",
                    examination="Alert, temperature raised, chest clear.",
                    diagnosis=diagnosis,
                    icd10_code=code,
                    plan="Treat, review in a week if not better.",
                )
            )
        self.encounters = _bulk(Encounter, encounters, self.log)
        # Most consultations end with a prescription from the formulary (large_pharmacy.REGIMENS:
        # the diagnosis's usual drugs); the newest are still waiting at the pharmacy's counter.
        prescriptions = []
        for encounter in self.encounters:
            if self.rng.random() < 0.6:
                prescriptions += self.pharmacy.prescribe(encounter, Prescription)
        self.pharmacy.leave_waiting(prescriptions, waiting_prescriptions)
        _bulk(Prescription, prescriptions, self.log)
        consult = ChargeItem.objects.get(code="CONSULT")
        charges = [
            self.charge(
                Charge,
                item=consult,
                patient_id=e.patient_id,
                description="Consultation",
                unit_price=consult.price,
                source=f"clinical.Appointment:{e.appointment_id}",
                accrual_key=f"consultation:{e.appointment_id}",
                service_from=e.started_at,
                service_to=e.completed_at,
                posted_at=e.completed_at,
                posted_by_id=e.doctor_id,
            )
            for e in self.encounters
        ]
        self.charges = charges

    def charge(self, Charge, *, item, unit_price, quantity=Decimal("1"), **fields):
        """A charge kept in memory with its id taken ahead, saved with its invoice (make_invoices),
        so no row is written twice."""
        from django.db.models import Max

        from hms.money import money, percent_of

        if not hasattr(self, "next_charge_id"):
            self.next_charge_id = (Charge.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.next_charge_id += 1
        amount = money(quantity * unit_price)
        return Charge(
            pk=self.next_charge_id - 1,
            item=item,
            category=item.category,
            quantity=quantity,
            unit_price=unit_price,
            tax_rate=item.tax_rate,
            amount=amount,
            tax_amount=percent_of(amount, item.tax_rate),
            **fields,
        )

    # --- wards, admissions, stays -----------------------------------------------------------

    def make_wards(self) -> None:
        from wards.models import Bed, BedStatus, Ward

        have = Bed.objects.count()
        extra = max(0, self.n_beds - have)
        for name, kind, code, share in EXTRA_WARDS:
            count = max(2, round(extra * share)) if extra else 0
            if not count or Ward.objects.filter(name=name).exists():
                continue
            ward = Ward.objects.create(name=name, kind=kind, charge_code=code)
            _bulk(
                Bed,
                [
                    Bed(
                        ward=ward,
                        number=f"{n:02d}",
                        status=BedStatus.VACANT,
                        status_changed_at=self.now,
                    )
                    for n in range(1, count + 1)
                ],
            )
        self.beds = list(Bed.objects.select_related("ward").order_by("pk"))
        self.log(f"  wards.Bed: {len(self.beds):,} in {Ward.objects.count()} wards")

    def make_admissions(self) -> None:
        from billing.models import Charge, ChargeItem
        from clinical.models import Patient, PatientState
        from wards.models import Admission, AdmissionStatus, Bed, BedStatus, BedStay

        items = {i.code: i for i in ChargeItem.objects.all()}
        busy = defaultdict(list)  # patient -> [(start, end)]
        active_patients = set(
            Admission.objects.filter(discharged_at__isnull=True).values_list(
                "patient_id", flat=True
            )
        )
        for pid, start, end in Admission.objects.values_list(
            "patient_id", "admitted_at", "discharged_at"
        ):
            busy[pid].append((start, end or self.now + timedelta(days=3650)))
        first_existing = dict(
            Admission.objects.order_by()
            .values_list("bed_id")
            .annotate(first=models_min("admitted_at"))
            .values_list("bed_id", "first")
        )
        rows, plans = [], []
        start_of_history = self.at(self.first_day, 10)
        for bed in self.beds:
            hourly = bed.ward.kind == "emergency"
            t = start_of_history + timedelta(hours=self.rng.randrange(72))
            limit = first_existing.get(bed.pk, self.now)
            while t < limit:
                stay = (
                    timedelta(hours=self.rng.randrange(3, 30))
                    if hourly
                    else timedelta(hours=self.rng.randrange(20, 24 * 9))
                )
                end = t + stay
                active = end >= self.now and bed.pk not in first_existing
                if active and self.rng.random() < 0.2:
                    break  # about a fifth of the beds stand empty today
                if end >= limit and not active:
                    break
                for _ in range(20):
                    patient = self.rng.choice(self.patients)
                    spans = busy[patient.pk]
                    if patient.pk in active_patients and active:
                        continue
                    if all(end <= s or t >= e for s, e in spans):
                        break
                else:
                    break
                busy[patient.pk].append((t, end))
                if active:
                    active_patients.add(patient.pk)
                diagnosis = self.rng.choice(DIAGNOSES)[0]
                discharged = None if active else end
                rows.append(
                    Admission(
                        patient=patient,
                        attending_doctor=self.rng.choice(self.doctors),
                        bed=bed,
                        status=AdmissionStatus.ADMITTED if active else AdmissionStatus.DISCHARGED,
                        reason=diagnosis,
                        diagnosis=diagnosis,
                        expected_days=max(1, stay.days),
                        admitted_at=t,
                        admitted_by=self.rng.choice(self.nurses),
                        discharge_ordered_at=None if active else end - timedelta(hours=3),
                        discharge_ordered_by=None if active else self.rng.choice(self.doctors),
                        discharged_at=discharged,
                        discharged_by=None if active else self.rng.choice(self.nurses),
                        final_diagnosis="" if active else diagnosis,
                    )
                )
                plans.append((bed, hourly))
                if active:
                    break
                t = end + timedelta(hours=self.rng.randrange(2, 60))
        self.admissions = _bulk(Admission, rows, self.log)
        _bulk(
            BedStay,
            [
                BedStay(
                    admission=a,
                    bed=bed,
                    ward=bed.ward,
                    started_at=a.admitted_at,
                    ended_at=a.discharged_at,
                    reason="Admitted",
                )
                for a, (bed, _) in zip(self.admissions, plans, strict=True)
            ],
            self.log,
        )
        # Ward charges, keyed as wards.accrual keys them (nights rule: midnights crossed, ≥ 1).
        charges = []
        for a, (bed, hourly) in zip(self.admissions, plans, strict=True):
            item = items[bed.ward.charge_code]
            left = a.discharged_at or self.now
            if hourly:
                units = [
                    (f"admission:{a.pk}:hour:{n}", a.admitted_at + timedelta(hours=n))
                    for n in range(max(1, -(-int((left - a.admitted_at).total_seconds()) // 3600)))
                ]
            else:
                first = a.admitted_at.astimezone(self.tz).date()
                nights = max(1, (left.astimezone(self.tz).date() - first).days)
                units = [
                    (
                        f"admission:{a.pk}:day:{(first + timedelta(days=n)).isoformat()}",
                        max(self.at(first + timedelta(days=n), 0), a.admitted_at),
                    )
                    for n in range(nights)
                ]
            for key, service_from in units:
                charges.append(
                    self.charge(
                        Charge,
                        item=item,
                        patient_id=a.patient_id,
                        admission=a,
                        description=f"{bed.ward.name}, {service_from:%d %b %Y}",
                        unit_price=item.price,
                        source=f"wards.Admission:{a.pk}",
                        accrual_key=key,
                        service_from=service_from,
                        service_to=service_from + (timedelta(hours=1) if hourly else timedelta(1)),
                        posted_at=service_from,
                    )
                )
        self.charges += charges
        active = [a for a in self.admissions if a.discharged_at is None]
        Bed.objects.filter(pk__in=[a.bed_id for a in active]).update(status=BedStatus.OCCUPIED)
        free = list(
            Bed.objects.filter(status=BedStatus.VACANT, admissions__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        )
        self.rng.shuffle(free)
        Bed.objects.filter(pk__in=free[:4]).update(status=BedStatus.CLEANING)
        Bed.objects.filter(pk__in=free[4:6]).update(status=BedStatus.MAINTENANCE)
        Patient.objects.filter(pk__in=[a.patient_id for a in active]).update(
            state=PatientState.ADMITTED
        )
        Patient.objects.filter(
            pk__in=[a.patient_id for a in self.admissions if a.discharged_at]
        ).exclude(state=PatientState.ADMITTED).update(state=PatientState.DISCHARGED)

    def make_vitals(self) -> None:
        from clinical.models import Vitals

        rows = []
        for a in self.admissions:
            left = a.discharged_at or self.now
            t = a.admitted_at + timedelta(hours=1)
            while t < left and len(rows) < 10**7:
                rows.append(
                    Vitals(
                        patient_id=a.patient_id,
                        recorded_at=t,
                        recorded_by=self.rng.choice(self.nurses),
                        temperature_c=Decimal(f"{self.rng.uniform(36.2, 39.0):.1f}"),
                        pulse=self.rng.randrange(60, 120),
                        systolic=self.rng.randrange(100, 160),
                        diastolic=self.rng.randrange(60, 100),
                        respiratory_rate=self.rng.randrange(12, 28),
                        spo2=self.rng.randrange(90, 100),
                    )
                )
                t += timedelta(hours=24)
        _bulk(Vitals, rows, self.log)

    # --- lab --------------------------------------------------------------------------------

    def make_lab(self, orders_per_encounter: float) -> None:
        from billing.models import Charge
        from lab.models import (
            PRIORITY_RANK,
            LabTest,
            OrderStatus,
            ResultValue,
            ResultVersion,
            TestOrder,
        )

        tests = list(LabTest.objects.filter(active=True).select_related("charge_item"))
        fields = defaultdict(list)
        for test in tests:
            fields[test.pk] = list(test.fields.all())
        sources = [(e.patient_id, e, None, e.started_at, e.doctor_id) for e in self.encounters]
        sources += [
            (a.patient_id, None, a, a.admitted_at + timedelta(hours=2), a.attending_doctor_id)
            for a in self.admissions
        ]
        orders = []
        for patient_id, encounter, admission, when, doctor_id in sources:
            count = int(orders_per_encounter) + (
                self.rng.random() < orders_per_encounter - int(orders_per_encounter)
            )
            for _ in range(count):
                test = self.rng.choice(tests)
                priority = self.rng.choice(["routine", "routine", "routine", "urgent", "stat"])
                ordered = when + timedelta(minutes=self.rng.randrange(5, 60))
                recent = self.now - ordered < timedelta(hours=36)
                status = (
                    self.rng.choice(
                        [OrderStatus.PENDING, OrderStatus.COLLECTED, OrderStatus.IN_PROGRESS]
                    )
                    if recent
                    else OrderStatus.VERIFIED
                )
                if ordered > self.now:
                    continue
                tech = self.rng.choice(self.lab_staff)
                step = timedelta(minutes=self.rng.randrange(10, 90))
                order = TestOrder(
                    number="",
                    patient_id=patient_id,
                    test=test,
                    encounter=encounter,
                    admission=admission,
                    priority=priority,
                    priority_rank=PRIORITY_RANK[priority],
                    machine_type=test.machine_type,
                    status=status,
                    ordered_at=ordered,
                    due_at=ordered + timedelta(minutes=test.turnaround_minutes),
                    ordered_by_id=doctor_id,
                )
                if status != OrderStatus.PENDING:
                    order.collected_at, order.collected_by = ordered + step, tech
                if status in (OrderStatus.IN_PROGRESS, OrderStatus.VERIFIED):
                    order.started_at, order.started_by = ordered + 2 * step, tech
                if status == OrderStatus.VERIFIED:
                    order.completed_at, order.completed_by = ordered + 3 * step, tech
                    order.verified_at = ordered + 4 * step
                    order.verified_by = self.rng.choice(self.lab_staff)
                    order.result_version = order.verified_version = 1
                orders.append(order)
        orders.sort(key=lambda o: o.ordered_at)
        for order in orders:
            year = order.ordered_at.astimezone(self.tz).year
            order.number = f"LAB-{year}-{self.number(f'lab-{year}'):06d}"
        self.orders = _bulk(TestOrder, orders, self.log)
        versions, values, charges = [], [], []
        for order in self.orders:
            item = order.test.charge_item
            charges.append(
                self.charge(
                    Charge,
                    item=item,
                    patient_id=order.patient_id,
                    admission_id=order.admission_id,
                    description=order.test.name,
                    unit_price=item.price,
                    source=f"lab.TestOrder:{order.pk}",
                    accrual_key=f"lab-order:{order.pk}",
                    service_from=order.ordered_at,
                    posted_at=order.ordered_at,
                    posted_by_id=order.ordered_by_id,
                )
            )
            if order.status != OrderStatus.VERIFIED:
                continue
            versions.append(
                ResultVersion(
                    order=order,
                    version=1,
                    findings="No abnormality seen." if order.test.is_imaging else "",
                    entered_at=order.completed_at,
                    entered_by=order.completed_by,
                    verified_at=order.verified_at,
                    verified_by=order.verified_by,
                )
            )
            for field in fields[order.test_id]:
                number = Decimal(f"{self.rng.uniform(1, 100):.1f}")
                values.append(
                    ResultValue(
                        order=order,
                        version=1,
                        field=field,
                        name=field.name,
                        unit=field.unit,
                        value=str(number) if field.numeric else "Not seen",
                        numeric_value=number if field.numeric else None,
                    )
                )
        _bulk(ResultVersion, versions, self.log)
        _bulk(ResultValue, values, self.log)
        self.charges += charges

    # --- billing ----------------------------------------------------------------------------

    def make_invoices(self) -> None:
        from billing import totals
        from billing.models import (
            Charge,
            ClaimStatus,
            InsuranceClaim,
            Invoice,
            InvoiceStatus,
            Payment,
            PaymentMode,
        )

        # One invoice per admission (its stay and its tests), one per outpatient day; the last
        # three days' charges are left on the accounts, not yet invoiced.
        cutoff = self.now - timedelta(days=3)
        groups = defaultdict(list)
        for charge in self.charges:
            if charge.posted_at > cutoff:
                continue
            if charge.admission_id:
                key = ("admission", charge.admission_id)
            else:
                key = ("day", charge.patient_id, charge.posted_at.astimezone(self.tz).date())
            groups[key].append(charge)
        invoices, line_sets = [], []
        admissions = {a.pk: a for a in self.admissions}
        for key, lines in groups.items():
            if key[0] == "admission" and admissions[key[1]].discharged_at is None:
                continue
            lines.sort(key=lambda c: (c.posted_at, c.pk))
            last = max(c.posted_at for c in lines)
            issued = (
                admissions[key[1]].discharged_at if key[0] == "admission" else last
            ) + timedelta(minutes=30)
            insurer, coverage = self.coverage.get(lines[0].patient_id, ("", Decimal("0")))
            figures = totals.compute(
                lines=[(c.amount, c.tax_rate) for c in lines], coverage_percent=coverage
            )
            invoices.append(
                Invoice(
                    patient_id=lines[0].patient_id,
                    admission_id=lines[0].admission_id,
                    status=InvoiceStatus.ISSUED,
                    created_at=issued - timedelta(minutes=5),
                    created_by=self.rng.choice(self.desk),
                    issued_at=issued,
                    issued_by=self.rng.choice(self.desk),
                    subtotal=figures.subtotal,
                    discount_amount=figures.discount,
                    tax_total=figures.tax,
                    total=figures.total,
                    insurer=insurer,
                    coverage_percent=coverage,
                    insurer_share=figures.insurer_share,
                    patient_share=figures.patient_share,
                    lines_snapshot=[
                        {
                            "charge": c.pk,
                            "category": c.get_category_display(),
                            "description": c.description,
                            "code": c.item.code,
                            "quantity": str(c.quantity),
                            "unit_price": str(c.unit_price),
                            "amount": str(line.amount),
                            "discount": str(line.discount),
                            "tax_rate": str(c.tax_rate),
                            "tax": str(line.tax),
                            "total": str(line.total),
                        }
                        for c, line in zip(lines, figures.lines, strict=True)
                    ],
                )
            )
            line_sets.append(lines)
        order = sorted(range(len(invoices)), key=lambda i: invoices[i].issued_at)
        invoices = [invoices[i] for i in order]
        line_sets = [line_sets[i] for i in order]
        payments, claims = [], []
        for invoice in invoices:
            year = invoice.issued_at.astimezone(self.tz).year
            invoice.number = f"INV-{year}-{self.number(f'invoice-{year}'):06d}"
            age = self.now - invoice.issued_at
            roll = self.rng.random()
            paid = Decimal("0")
            if invoice.patient_share > 0:
                if roll < 0.8 or age > timedelta(days=200):
                    paid = invoice.patient_share
                elif roll < 0.9:
                    paid = (invoice.patient_share / 2).quantize(Decimal("0.01"))
            invoice.amount_paid = paid
            if invoice.insurer_share > 0:
                settled = age > timedelta(days=45)
                invoice.insurer_paid = invoice.insurer_share if settled else Decimal("0")
                claims.append((invoice, settled))
            owed = invoice.patient_share - paid
            invoice.status = (
                InvoiceStatus.PAID
                if owed == 0
                else InvoiceStatus.PARTIALLY_PAID
                if paid
                else InvoiceStatus.ISSUED
            )
            if paid:
                payments.append((invoice, paid))
        invoices = _bulk(Invoice, invoices, self.log)
        for invoice, lines in zip(invoices, line_sets, strict=True):
            for charge in lines:
                charge.invoice_id = invoice.pk
        _bulk(Charge, sorted(self.charges, key=lambda c: c.pk), self.log)
        _reset_sequence(Charge)
        rows = []
        for invoice, amount in payments:
            received = invoice.issued_at + timedelta(minutes=self.rng.randrange(5, 600))
            received = min(received, self.now)
            year = received.astimezone(self.tz).year
            rows.append(
                Payment(
                    invoice=invoice,
                    patient_id=invoice.patient_id,
                    amount=amount,
                    mode=self.rng.choice(
                        [PaymentMode.CASH, PaymentMode.MPESA, PaymentMode.CARD, PaymentMode.BANK]
                    ),
                    reference=f"Q{self.rng.randrange(10**9):09d}",
                    receipt_number="",
                    received_at=received,
                    received_by=self.rng.choice(self.desk),
                )
            )
        rows.sort(key=lambda p: p.received_at)
        for payment in rows:
            year = payment.received_at.astimezone(self.tz).year
            payment.receipt_number = f"RCT-{year}-{self.number(f'receipt-{year}'):06d}"
        _bulk(Payment, rows, self.log)
        claim_rows = []
        for invoice, settled in claims:
            year = invoice.issued_at.astimezone(self.tz).year
            claim_rows.append(
                InsuranceClaim(
                    number=f"CLM-{year}-{self.number(f'claim-{year}'):06d}",
                    invoice=invoice,
                    insurer=invoice.insurer,
                    amount_claimed=invoice.insurer_share,
                    status=ClaimStatus.PAID if settled else ClaimStatus.SUBMITTED,
                    approved_amount=invoice.insurer_share if settled else Decimal("0"),
                    paid_amount=invoice.insurer_share if settled else Decimal("0"),
                    insurer_reference=f"{invoice.insurer[:4].upper()}-{invoice.pk}"
                    if settled
                    else "",
                    payment_reference=f"EFT{invoice.pk:08d}" if settled else "",
                    submitted_at=invoice.issued_at,
                    submitted_by=invoice.issued_by,
                    decided_at=invoice.issued_at + timedelta(days=20) if settled else None,
                    decided_by=self.rng.choice(self.desk) if settled else None,
                    paid_at=invoice.issued_at + timedelta(days=40) if settled else None,
                    paid_by=self.rng.choice(self.desk) if settled else None,
                )
            )
        _bulk(InsuranceClaim, claim_rows, self.log)

    # --- attendance, notifications ----------------------------------------------------------

    def make_attendance(self) -> None:
        from hr.models import Attendance

        have = set(Attendance.objects.values_list("user_id", "date"))
        rows = []
        for user in self.staff:
            for n in range(self.days):
                day = self.first_day + timedelta(days=n)
                if day.weekday() >= 5 or self.rng.random() < 0.06 or (user.pk, day) in have:
                    continue
                arrived = self.at(day, 7) + timedelta(minutes=self.rng.randrange(120))
                rows.append(
                    Attendance(
                        user=user,
                        date=day,
                        time_in=arrived,
                        time_out=arrived + timedelta(minutes=self.rng.randrange(420, 600)),
                        ended_by="click",
                    )
                )
        _bulk(Attendance, rows, self.log)

    def make_machines(self, count: int = 120) -> None:
        """`count` machines over the departments, each with two years of status history: a
        breakdown every 20 to 120 days, restored after 2 hours to 4 days (some across midnight),
        and a preventive service (Under maintenance, 1 to 6 hours) every 90 days."""
        from accounts.models import Department
        from engineering.models import (
            Criticality,
            Machine,
            MachineStatus,
            MachineStatusChange,
            MachineType,
        )

        departments = list(Department.objects.order_by("pk"))
        types = list(MachineType.values)
        labels = dict(MachineType.choices)
        start = self.at(self.first_day, 8)
        machines = _bulk(
            Machine,
            [
                Machine(
                    name=f"{labels[types[n % len(types)]]} {n:03d}",
                    asset_tag=f"BENCH-{n:04d}",
                    department=departments[n % len(departments)] if departments else None,
                    machine_type=types[n % len(types)],
                    criticality=self.rng.choice(list(Criticality.values)),
                    installed_date=self.first_day,
                    pm_interval_days=90,
                    status_since=start,
                    registered_at=start,
                )
                for n in range(1, count + 1)
            ],
            self.log,
        )
        changes, final = [], {}
        for machine in machines:
            rows = [(start, "", MachineStatus.OPERATIONAL)]
            at, status, next_service = start, MachineStatus.OPERATIONAL, start + timedelta(days=90)
            while True:
                at += timedelta(days=self.rng.uniform(20, 120))
                if at >= self.now:
                    break
                if next_service < at:
                    service = next_service
                    rows.append((service, status, MachineStatus.UNDER_MAINTENANCE))
                    back = service + timedelta(hours=self.rng.uniform(1, 6))
                    rows.append((back, MachineStatus.UNDER_MAINTENANCE, MachineStatus.OPERATIONAL))
                    next_service += timedelta(days=90)
                    at = max(at, back + timedelta(hours=1))
                rows.append((at, MachineStatus.OPERATIONAL, MachineStatus.OUT_OF_ORDER))
                fixed = at + timedelta(hours=self.rng.uniform(2, 96))
                if fixed >= self.now:
                    status = MachineStatus.OUT_OF_ORDER
                    break
                rows.append((fixed, MachineStatus.OUT_OF_ORDER, MachineStatus.OPERATIONAL))
                at = fixed
            final[machine.pk] = (status, rows[-1][0])
            changes += [
                MachineStatusChange(
                    machine=machine,
                    from_status=before,
                    to_status=after,
                    effective_at=when,
                    recorded_at=when,
                    reason="Generated history",
                )
                for when, before, after in rows
            ]
        _bulk(MachineStatusChange, changes, self.log)
        for machine in machines:
            machine.status, machine.status_since = final[machine.pk]
        Machine.objects.bulk_update(machines, ["status", "status_since"], batch_size=BATCH)

    def make_notifications(self) -> None:
        from accounts.models import User
        from messaging.models import Notification

        doctor = User.objects.get(username="doctor")
        rows = []
        for n, order in enumerate(o for o in self.orders if o.verified_at and o.ordered_by_id):
            if n >= 20 * len(self.doctors):
                break
            rows.append(
                Notification(
                    recipient_id=order.ordered_by_id if n % 10 else doctor.pk,
                    text=f"Result verified: {order.number} {order.test.name}",
                    link=f"/lab/orders/{order.pk}/",
                    created_at=order.verified_at,
                    read_at=order.verified_at + timedelta(hours=1) if n % 3 else None,
                )
            )
        _bulk(Notification, rows, self.log)


def _reset_sequence(model) -> None:
    """After rows with ids given ahead: PostgreSQL's sequence continues after the largest."""
    from django.core.management.color import no_style
    from django.db import connection

    for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def models_min(field: str):
    from django.db.models import Min

    return Min(field)


def generate(
    *,
    patients: int = 50_000,
    beds: int = 200,
    staff: int = 300,
    days: int = 730,
    appointments_per_patient: float = 3.0,
    orders_per_visit: float = 0.6,
    waiting_prescriptions: int = 150,
    seed: int = 1,
    log=print,
) -> dict:
    """Fill the (migrated) database with the demo hospital and a large hospital around it."""
    from django.apps import apps
    from django.core.management import call_command
    from django.db import transaction

    call_command("seed_demo", stdout=io.StringIO())
    generator = Generator(patients=patients, beds=beds, staff=staff, days=days, seed=seed, log=log)
    models = [apps.get_model(label) for label in BACKDATED]
    with backdating(*models), transaction.atomic():
        steps = [
            ("staff", generator.make_staff),
            ("schedules", generator.make_schedules),
            ("patients", generator.make_patients),
            ("appointments", lambda: generator.make_appointments(appointments_per_patient)),
            ("formulary", generator.make_formulary),
            ("consultations", lambda: generator.make_consultations(waiting_prescriptions)),
            ("wards", generator.make_wards),
            ("admissions", generator.make_admissions),
            ("vitals", generator.make_vitals),
            ("lab", lambda: generator.make_lab(orders_per_visit)),
            ("pharmacy", lambda: generator.pharmacy.make_stock()),
            ("invoices", generator.make_invoices),
            ("attendance", generator.make_attendance),
            ("notifications", generator.make_notifications),
            ("machines", generator.make_machines),
        ]
        for name, step in steps:
            started = time.perf_counter()
            step()
            log(f"{name}: {time.perf_counter() - started:.1f} s")
        generator.save_series()
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


BACKDATED = [
    "clinical.Patient",
    "clinical.Appointment",
    "clinical.Prescription",
    "pharmacy.Batch",
    "billing.Invoice",
    "messaging.Notification",
    "wards.Bed",
]
COUNTED = [
    "accounts.User",
    "clinical.Patient",
    "clinical.Appointment",
    "clinical.Encounter",
    "clinical.Vitals",
    "wards.Bed",
    "wards.Admission",
    "lab.TestOrder",
    "lab.ResultValue",
    "clinical.Prescription",
    "pharmacy.FormularyItem",
    "pharmacy.Batch",
    "pharmacy.StockMovement",
    "pharmacy.Dispense",
    "billing.Charge",
    "billing.Invoice",
    "billing.Payment",
    "billing.InsuranceClaim",
    "hr.Attendance",
    "engineering.Machine",
    "engineering.MachineStatusChange",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--beds", type=int, default=200)
    parser.add_argument("--staff", type=int, default=300)
    parser.add_argument("--days", type=int, default=730, help="days of history")
    parser.add_argument("--appointments-per-patient", type=float, default=3.0)
    parser.add_argument("--orders-per-visit", type=float, default=0.6)
    parser.add_argument(
        "--waiting-prescriptions",
        type=int,
        default=150,
        help="the newest prescriptions left at the pharmacy's counter",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sqlite",
        default=None,
        help="SQLite file when DATABASE_URL is not set (default var/bench/large.sqlite3)",
    )
    args = parser.parse_args()

    import benchdb

    benchdb.work_dir("hms-bench-large-")
    if not os.environ.get("DATABASE_URL"):
        path = Path(args.sqlite or benchdb.ROOT / "var" / "bench" / "large.sqlite3").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["HMS_SQLITE_PATH"] = str(path)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    benchdb.fresh_database(benchdb.database_config())
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    counts = generate(
        patients=args.patients,
        beds=args.beds,
        staff=args.staff,
        days=args.days,
        appointments_per_patient=args.appointments_per_patient,
        orders_per_visit=args.orders_per_visit,
        waiting_prescriptions=args.waiting_prescriptions,
        seed=args.seed,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Planner statistics and the visibility map, as autovacuum keeps them on a live
            # database (without it, index-only scans read the heap: the bed board took 67 ms).
            cursor.execute("VACUUM ANALYZE")
    for label, count in counts.items():
        print(f"  {label:<24} {count:>10,}")
    where = connection.settings_dict["NAME"]
    print(f"large hospital in {where}: {time.perf_counter() - started:.1f} s in all")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
