"""Demo records of clinical: a few dozen registered patients, one of them the portal patient."""

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from clinical import selectors, services
from clinical.models import AllergenClass, AllergySeverity, Appointment, DoctorSchedule, Patient

# first, last, born, sex, blood group, phone, insurance (scheme, member number, coverage %) or None
DEMO_PATIENTS = [
    ("John", "Mutua", date(1979, 3, 14), "M", "O+", "0712 100 001", ("SHA", "SHA-100001", "80")),
    ("Achieng", "Odhiambo", date(1991, 7, 2), "F", "A+", "0712 100 002", None),
    ("Wanjiru", "Kamau", date(1988, 4, 12), "F", "B+", "0712 100 003", ("AAR", "AAR-55231", "90")),
    ("Kiprop", "Chebet", date(1965, 11, 30), "M", "O-", "0712 100 004", None),
    ("Amani", "Njoroge", date(2019, 1, 9), "M", "A-", "0712 100 005", ("SHA", "SHA-100005", "100")),
    ("Fatuma", "Hassan", date(1957, 5, 21), "F", "AB+", "0712 100 006", None),
    ("Brian", "Otieno", date(2001, 9, 17), "M", "O+", "0712 100 007", None),
    ("Grace", "Wambui", date(1995, 12, 3), "F", "", "0712 100 008", ("Jubilee", "JB-7781", "75")),
    ("Samuel", "Kipchoge", date(1949, 2, 28), "M", "B-", "0712 100 009", None),
    ("Mercy", "Akinyi", date(2010, 6, 6), "F", "A+", "0712 100 010", None),
    ("Hassan", "Abdi", date(1983, 8, 19), "M", "O+", "0712 100 011", None),
    (
        "Esther",
        "Nyambura",
        date(1972, 10, 10),
        "F",
        "B+",
        "0712 100 012",
        ("SHA", "SHA-100012", "80"),
    ),
]


# Identity documents: a national ID for most adults, a birth certificate for the child, a
# passport and an alien ID for two who are not Kenyan citizens; Mercy (16) has none to hand.
DEMO_DOCUMENTS = {
    "Mutua": ("national_id", "21000001"),
    "Odhiambo": ("national_id", "29000002"),
    "Kamau": ("national_id", "25000003"),
    "Chebet": ("national_id", "10000004"),
    "Njoroge": ("birth_certificate", "300000005"),
    "Hassan": ("alien_id", "400006"),
    "Otieno": ("national_id", "37000007"),
    "Wambui": ("national_id", "32000008"),
    "Kipchoge": ("national_id", "5000009"),
    "Abdi": ("passport", "AK0000011"),
    "Nyambura": ("national_id", "14000012"),
}


def seed(log) -> None:
    registrar = User.objects.filter(username="reception").first()
    created = 0
    for first, last, born, sex, blood, phone, insurance in DEMO_PATIENTS:
        if Patient.objects.filter(first_name=first, last_name=last, date_of_birth=born).exists():
            continue
        services.patient_register(
            actor=registrar,
            fields={
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "sex": sex,
                "blood_group": blood,
                "phone": phone,
                "id_type": DEMO_DOCUMENTS.get(last, ("", ""))[0],
                "id_number": DEMO_DOCUMENTS.get(last, ("", ""))[1],
                "address": "Nakuru",
                "insurance": (
                    {
                        "provider": insurance[0],
                        "policy_number": insurance[1],
                        "coverage_percent": f"{insurance[2]}.00",
                        "valid_until": "2027-12-31",
                    }
                    if insurance
                    else {}
                ),
                "allergies": "Penicillin" if first == "Kiprop" else "",
            },
            not_a_duplicate=True,
        )
        created += 1
    portal = User.objects.filter(username="patient").first()
    john = Patient.objects.filter(first_name="John", last_name="Mutua").first()
    if portal and john and john.user_id is None:
        john.user = portal
        john.save(update_fields=["user"])
    log(
        f"Patients: {Patient.objects.count()} ({created} new); the portal login 'patient' is John Mutua."
    )
    _seed_allergies(log)
    _seed_schedule_and_appointments(log, registrar)


def _seed_allergies(log) -> None:
    """Kiprop Chebet's penicillin allergy, coded (the doctor meets it prescribing amoxicillin),
    and John Mutua asked and found to have none; the rest stay "not recorded", as in life."""
    nurse = (
        User.objects.filter(username="nurse").first()
        or User.objects.filter(username="admin").first()
    )
    if nurse is None:
        return
    kiprop = Patient.objects.filter(first_name="Kiprop", last_name="Chebet").first()
    if kiprop and not kiprop.allergy_records.exists():
        services.allergy_record(
            actor=nurse,
            patient=kiprop,
            allergen_class=AllergenClass.PENICILLINS,
            allergen="amoxicillin",
            reaction="urticaria and lip swelling in 2019",
            severity=AllergySeverity.SEVERE,
        )
        log("Allergies: Kiprop Chebet is allergic to penicillins (amoxicillin).")
    john = Patient.objects.filter(first_name="John", last_name="Mutua").first()
    if john and john.no_known_allergies_at is None and not john.allergy_records.exists():
        services.patient_no_known_allergies(actor=nurse, patient=john)


def _seed_schedule_and_appointments(log, registrar) -> None:
    """The demo doctor's clinic hours and a few bookings from today on (John Mutua, the portal
    patient, among them, so he can message his doctor)."""
    doctor = User.objects.filter(username="doctor").first()
    if doctor is None:
        return
    if not DoctorSchedule.objects.filter(doctor=doctor).exists():
        for weekday in range(7):  # weekdays 8-13 and 14-17; weekends a long walk-in clinic
            if weekday < 5:
                blocks = [(time(8), time(13)), (time(14), time(17))]
            else:
                blocks = [(time(8), time(22))]
            for start, end in blocks:
                DoctorSchedule.objects.create(
                    doctor=doctor,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    slot_minutes=15,
                    consultation_fee=Decimal("1500.00"),
                )
    if Appointment.objects.filter(doctor=doctor).exists():
        return
    patients = list(Patient.objects.order_by("mrn")[:6])
    booked = 0
    day = timezone.localdate()
    while booked < len(patients) and day < timezone.localdate() + timedelta(days=14):
        for slot in selectors.slots_for(doctor, day):
            if booked == len(patients):
                break
            if slot.free and slot.starts_at.minute in (0, 30):
                services.appointment_book(
                    actor=registrar,
                    patient=patients[booked],
                    doctor=doctor,
                    starts_at=slot.starts_at,
                    reason="Review" if booked % 2 else "New complaint",
                )
                booked += 1
        day += timedelta(days=1)
    log(f"Appointments: {booked} booked with {doctor}.")


# Duplicates the desk can practise on (registered after every other module's records, so no
# stay or queue ticket of the demo lands on them): Wanjeru Kamau is Wanjiru Kamau registered a
# second time with a misspelt name and a new phone, to merge; Bryan Otieno was Brian Otieno's
# duplicate, already merged, so his MRN shows the alias at work.
DEMO_DUPLICATES = [
    # first, last, born, phone, the record it duplicates (first, last), merged already
    ("Wanjeru", "Kamau", date(1988, 4, 12), "0722 300 003", ("Wanjiru", "Kamau"), False),
    ("Bryan", "Otieno", date(2001, 9, 17), "0722 300 007", ("Brian", "Otieno"), True),
]


def seed_late(log) -> None:
    registrar = User.objects.filter(username="reception").first()
    admin = User.objects.filter(username="admin").first()
    for first, last, born, phone, (of_first, of_last), merged in DEMO_DUPLICATES:
        original = Patient.objects.filter(
            first_name=of_first, last_name=of_last, date_of_birth=born
        ).first()
        if (
            original is None
            or Patient.objects.filter(first_name=first, last_name=last, date_of_birth=born).exists()
        ):
            continue
        duplicate = services.patient_register(
            actor=registrar,
            fields={
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "sex": original.sex,
                "phone": phone,
                "address": "Nakuru",
            },
            not_a_duplicate=True,
        )
        if merged and admin is not None:
            services.patient_merge(actor=admin, survivor=original, merged=duplicate)
        log(
            f"Duplicate record: {duplicate.full_name} (MRN {duplicate.mrn})"
            + (
                f", merged into MRN {original.mrn}."
                if merged
                else f" of MRN {original.mrn}, to merge."
            )
        )
