"""The demo hospital's logins, one per role, and what `make run` shows them: a second seed keeps
a changed password; the nurse's wards, the ICU stay's notes, a rising NEWS2 and its alert."""

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_KEYS, DEMO_USERS, _base32
from accounts.models import Department, User
from billing import selectors as billing_selectors
from billing.models import ChargeItem
from clinical import selectors
from clinical.models import Patient, Vitals
from hms import audit, rbac
from messaging import rules
from messaging.models import Notification
from wards.models import Admission


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_one_login_per_role_and_prints_them(seeded):
    printed = seeded.printed

    assert sorted(User.objects.values_list("role", flat=True)) == sorted(rbac.ROLES)
    for username, _role, *_rest, password in DEMO_USERS:
        assert f"{username:<11} {password}" in printed
    for username, key in DEMO_TOTP_KEYS.items():
        assert TOTPDevice.objects.get(user__username=username, confirmed=True).key == key
        assert _base32(key) in printed
    assert Department.objects.count() >= 5
    assert Patient.objects.get(user__username="patient").full_name == "John Mutua"
    assert Patient.objects.count() >= 10
    john = User.objects.get(username="patient")
    assert rules.may_start(john, User.objects.get(username="doctor"))  # he has an appointment
    assert Admission.objects.filter(discharged_at__isnull=True).count() >= 3
    assert ChargeItem.objects.filter(code="CONSULT", active=True).exists()
    # A duplicate for the desk to merge, and one merged already whose MRN leads to the survivor.
    wanjeru = Patient.objects.get(first_name="Wanjeru", merged_into__isnull=True)
    assert wanjeru.state == "registered" and not wanjeru.admissions.exists()
    bryan = Patient.objects.get(first_name="Bryan")
    assert bryan.merged_into.full_name == "Brian Otieno"


def test_the_demo_shows_a_stay_with_one_bill_and_one_exempted(seeded):
    went_home = Admission.objects.get(patient__last_name="Kiprono")
    invoice = went_home.invoices.get()  # one bill: the clinic's consultation and the ward day
    assert invoice.number.startswith("INV-")
    assert sorted(invoice.lines.values_list("item__code", flat=True)) == ["CONSULT", "WARD-GEN"]
    waiting = Admission.objects.get(patient__last_name="Chebet")
    assert waiting.status == "discharge_ordered"
    assert waiting.charges.filter(item__code="CONSULT").exists()
    assert billing_selectors.discharge_clearance(waiting.patient, waiting).exempted


def test_running_seed_demo_again_keeps_the_data(seeded):
    doctor = User.objects.get(username="doctor")
    doctor.set_password("changed-by-the-doctor-1")
    doctor.save()
    counts = (User.objects.count(), Department.objects.count(), TOTPDevice.objects.count())

    seed()

    assert (User.objects.count(), Department.objects.count(), TOTPDevice.objects.count()) == counts
    assert User.objects.get(username="doctor").check_password("changed-by-the-doctor-1")
    assert audit.verify().ok


def test_every_demo_login_signs_in(seeded):
    for username, _role, *_rest, password in DEMO_USERS:
        client = Client()
        client.post("/accounts/login/", {"login": username, "password": password})
        assert "_auth_user_id" in client.session, username


def test_the_demo_nurse_home_shows_the_wards_patients_and_something_due(seeded):
    # Seeded twice: the first observations are made once.
    nurse = User.objects.get(username="nurse")
    client = Client()
    client.force_login(nurse)

    panel = client.get("/wards/patients/", headers={"HX-Request": "true"}).content.decode()

    assert Vitals.objects.count() == 3 + 3  # the pneumonia's three sets before admission
    assert panel.count('data-testid="ward-patient"') >= 4
    assert "NEWS2 9" in panel and "NEWS2 5" in panel and "NEWS2 0" in panel
    assert 'data-overdue="true"' in panel  # the injury in the Emergency Unit: none yet
    assert "is clean" in panel  # General Ward A's bed 07


def test_the_demo_stay_in_intensive_care_has_its_ward_round_and_nursing_notes(seeded):
    # Seeded twice: the notes are written once.
    icu = Admission.objects.get(bed__ward__name="Intensive Care Unit", discharged_at__isnull=True)
    client = Client()
    client.force_login(User.objects.get(username="doctor"))

    page = client.get(f"/wards/admissions/{icu.pk}/").content.decode()

    assert sorted(icu.notes.values_list("kind", flat=True)) == ["nursing", "ward_round"]
    assert "Day 1 of IV artesunate" in page and "tepid sponging" in page


def test_the_demo_has_an_inpatient_whose_news2_is_rising_and_the_doctor_was_alerted(seeded):
    admission = Admission.objects.get(bed__ward__name="General Ward A", bed__number="03")

    sets = Vitals.objects.filter(patient=admission.patient).order_by("recorded_at")

    assert [selectors.news2_of_record(s).score for s in sets] == [1, 2, 3, 5]
    alerts = Notification.objects.filter(recipient__username="doctor", kind="news2", urgent=True)
    assert {alert.text.split(",")[0] for alert in alerts} == {
        "Urgent: NEWS2 5",  # the pneumonia
        "Emergency: NEWS2 9",  # intensive care
    }
