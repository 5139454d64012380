"""Factories and builders for test data: users and patients, appointments and encounters,
admissions, charges, invoices and payments, lab orders. Builders named for what they leave
(`invoice_issued`) go through the service where the figures must reconcile."""

from datetime import time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Department, User
from billing import services as billing
from clinical import search
from hms.money import money, percent_of
from lab.models import ResultVersion
from wards.models import Bed, BedStatus, BedStay

PASSWORD = "correct-horse-battery"
# Names from a sequence are zero-padded ("Ward 00012"): lists sort by name, and "Testamol 100"
# sorts before "Testamol 99", so a test that counted on creation order failed only when its
# records crossed a power of ten, that is, only after some number of earlier tests on the worker.


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n:05d}")
    code = factory.Sequence(lambda n: f"D{n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hospital.test")
    role = "nurse"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


class PatientFactory(factory.django.DjangoModelFactory):
    """A registered patient (MRN from a sequence: factories do not go through the service)."""

    class Meta:
        model = "clinical.Patient"

    mrn = factory.Sequence(lambda n: f"9{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=90)
    sex = "F"
    phone = factory.Sequence(lambda n: f"07{n:08d}")
    # The search keys the services keep (clinical.search), computed the same way.
    name_key = factory.LazyAttribute(lambda p: search.name_key(p.first_name, p.last_name))
    phone_digits = factory.LazyAttribute(lambda p: search.phone_digits(p.phone))
    member_key = factory.LazyAttribute(
        lambda p: search.document_key(
            (getattr(p, "insurance", None) or {}).get("policy_number", "")
        )
    )


# --- Clinical -------------------------------------------------------------------------------


class DoctorFactory(UserFactory):
    role = "doctor"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A scheduled 15-minute appointment three days ahead (a row, not a booking: no slot rules)."""

    class Meta:
        model = "clinical.Appointment"

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + timedelta(days=3)
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(minutes=15))
    fee = Decimal("1500.00")


class DoctorScheduleFactory(factory.django.DjangoModelFactory):
    """A doctor's clinic hours on one weekday: Mondays 09:00–12:00 in 15-minute slots at
    KES 1,500 unless told otherwise (`weekday` 0 is Monday, as `date.weekday()` counts)."""

    class Meta:
        model = "clinical.DoctorSchedule"

    doctor = factory.SubFactory(DoctorFactory)
    weekday = 0
    start_time = time(9)
    end_time = time(12)
    slot_minutes = 15
    consultation_fee = Decimal("1500.00")


class EncounterFactory(factory.django.DjangoModelFactory):
    """An open consultation; give `appointment=` to hold it for a booked visit."""

    class Meta:
        model = "clinical.Encounter"

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    started_at = factory.LazyFunction(timezone.now)


# --- Wards ----------------------------------------------------------------------------------


class WardFactory(factory.django.DjangoModelFactory):
    """A general ward charged per day (WARD-GEN: seed the charge master before accruing)."""

    class Meta:
        model = "wards.Ward"

    name = factory.Sequence(lambda n: f"Ward {n:05d}")
    kind = "general"
    charge_code = "WARD-GEN"


class BedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wards.Bed"

    ward = factory.SubFactory(WardFactory)
    number = factory.Sequence(lambda n: f"{n + 1:02d}")


class AdmissionFactory(factory.django.DjangoModelFactory):
    """An active admission whose bed is occupied and whose stay (BedStay) in that bed's ward
    started when the patient was admitted: the records admission_create leaves, without its
    charge, audit row or patient transition."""

    class Meta:
        model = "wards.Admission"
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    attending_doctor = factory.SubFactory(DoctorFactory)
    bed = factory.SubFactory(BedFactory)
    reason = "Severe malaria"
    admitted_at = factory.LazyFunction(timezone.now)
    admitted_by = factory.SelfAttribute("attending_doctor")

    @factory.post_generation
    def stay(obj, create, extracted, **kwargs):
        if not create:
            return
        BedStay.objects.create(
            admission=obj, bed=obj.bed, ward=obj.bed.ward, started_at=obj.admitted_at
        )
        Bed.objects.filter(pk=obj.bed_id).update(status=BedStatus.OCCUPIED)
        obj.bed.status = BedStatus.OCCUPIED


# --- Billing --------------------------------------------------------------------------------


class ChargeItemFactory(factory.django.DjangoModelFactory):
    """A charge master item (fixed price, no tax unless told)."""

    class Meta:
        model = "billing.ChargeItem"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MISC-{n:03d}")
    name = factory.Sequence(lambda n: f"Sundry {n:05d}")
    category = "misc"
    charge_type = "fixed"
    price = Decimal("500.00")
    tax_rate = Decimal("0")


class ChargeFactory(factory.django.DjangoModelFactory):
    """A posted charge with figures that agree with its item (amount = quantity × price, tax at
    the item's rate); billing.services.charge_post is the way with an audit row."""

    class Meta:
        model = "billing.Charge"

    patient = factory.SubFactory(PatientFactory)
    item = factory.SubFactory(ChargeItemFactory)
    category = factory.SelfAttribute("item.category")
    description = factory.SelfAttribute("item.name")
    quantity = Decimal("1")
    unit_price = factory.SelfAttribute("item.price")
    tax_rate = factory.SelfAttribute("item.tax_rate")
    amount = factory.LazyAttribute(lambda c: money(c.quantity * c.unit_price))
    tax_amount = factory.LazyAttribute(lambda c: percent_of(c.amount, c.tax_rate))
    posted_at = factory.LazyFunction(timezone.now)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An empty draft invoice (no lines yet); use `invoice_issued` for one with figures."""

    class Meta:
        model = "billing.Invoice"

    patient = factory.SubFactory(PatientFactory)
    created_by = factory.SubFactory(UserFactory, role="receptionist")


def charge_posted(patient, code: str = "NURS-DRESS", quantity="1", **extra):
    """A charge posted through billing's service, as a task would (no actor)."""
    return billing.charge_post(
        actor=None, patient=patient, code=code, quantity=Decimal(quantity), **extra
    )


def invoice_drafted(actor, patient, *lines, admission=None):
    """A draft invoice over the patient's loose charges, after posting one charge per line: a
    charge code, or a (code, quantity) pair."""
    for line in lines:
        code, quantity = (line, "1") if isinstance(line, str) else line
        charge_posted(patient, code, quantity, admission=admission)
    return billing.invoice_draft(actor=actor, patient=patient, admission=admission)


def invoice_issued(actor, patient, *lines, admission=None):
    """An issued invoice (lines as for invoice_drafted), its figures and number fixed by
    billing's service."""
    draft = invoice_drafted(actor, patient, *lines, admission=admission)
    return billing.invoice_issue(actor=actor, invoice=draft)


def payment_taken(actor, invoice, amount, mode: str = "cash", reference: str = ""):
    """A payment on an issued invoice through billing's service (receipt number, balance)."""
    return billing.payment_take(
        actor=actor, invoice=invoice, amount=Decimal(amount), mode=mode, reference=reference
    )


# --- Lab ------------------------------------------------------------------------------------


class LabTestFactory(factory.django.DjangoModelFactory):
    """A blood test of the catalogue with its own per-test charge item; `fields=["Value", ...]`
    gives it numeric result fields."""

    class Meta:
        model = "lab.LabTest"
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Test {n:05d}")
    kind = "lab"
    department = "haematology"
    sample_type = "blood"
    charge_item = factory.SubFactory(
        ChargeItemFactory,
        code=factory.LazyAttribute(lambda i: f"LAB-{i.factory_parent.code}"),
        name=factory.SelfAttribute("..name"),
        category="lab",
        charge_type="per_test",
        price=Decimal("100.00"),
    )
    turnaround_minutes = 60

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):
        if create and extracted:
            for position, name in enumerate(extracted):
                ResultFieldFactory(test=obj, name=name, position=position)


class ResultFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lab.ResultField"

    test = factory.SubFactory(LabTestFactory)
    name = factory.Sequence(lambda n: f"Value {n:05d}")
    unit = "u"


class ReferenceRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lab.ReferenceRange"

    field = factory.SubFactory(ResultFieldFactory)
    low = Decimal("1")
    high = Decimal("2")


class LabOrderFactory(factory.django.DjangoModelFactory):
    """A test order as lab.services.order_tests leaves it (ordered, due after the test's
    turnaround), without its charge. `verified=True` gives it a first result version, entered and
    verified by the ordering doctor unless `versions__entered_by=`/`versions__verified_by=` say who."""

    class Meta:
        model = "lab.TestOrder"
        skip_postgeneration_save = True

    class Params:
        verified = factory.Trait(status="verified", result_version=1, verified_version=1)

    number = factory.Sequence(lambda n: f"LAB-{timezone.now().year}-9{n:05d}")
    patient = factory.SubFactory(PatientFactory)
    test = factory.SubFactory(LabTestFactory)
    ordered_by = factory.SubFactory(DoctorFactory)
    ordered_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda o: o.ordered_at + timedelta(minutes=o.test.turnaround_minutes)
    )

    @factory.post_generation
    def versions(obj, create, extracted, **kwargs):
        """One ResultVersion per result version the order says it has (the report as its own)."""
        if not create:
            return
        for version in range(1, obj.result_version + 1):
            verified = version <= obj.verified_version
            ResultVersion.objects.create(
                order=obj,
                version=version,
                entered_at=obj.ordered_at,
                entered_by=kwargs.get("entered_by", obj.ordered_by),
                verified_at=obj.ordered_at if verified else None,
                verified_by=kwargs.get("verified_by", obj.ordered_by) if verified else None,
                report=obj.report.name if obj.report else "",
            )


def cleared_for_discharge(admission):
    """An exemption wide enough for any bill, for tests whose subject is not the bill: the
    discharge's clearance (docs/DECISIONS.md) is tested in tests/wards/test_discharge_clearance.py."""
    from billing.models import DischargeExemption

    return DischargeExemption.objects.create(
        patient_id=admission.patient_id,
        admission_id=admission.pk,
        amount=Decimal("999999999.00"),
        reason="not what this test is about",
        granted_at=timezone.now(),
        granted_by=admission.admitted_by,
    )


class PharmacyChargeItemFactory(ChargeItemFactory):
    """The charge master item a formulary item sells at (per dispensing unit)."""

    code = factory.Sequence(lambda n: f"PH-{n:04d}")
    name = factory.Sequence(lambda n: f"Drug {n:05d}")
    category = "pharmacy"
    charge_type = "fixed"
    price = Decimal("10.00")


class FormularyItemFactory(factory.django.DjangoModelFactory):
    """A tablet in the formulary, sold at KES 10 a tablet (its charge item), reorder level 100."""

    class Meta:
        model = "pharmacy.FormularyItem"

    generic_name = factory.Sequence(lambda n: f"Testamol {n:05d}")
    form = "tablet"
    strength = "500 mg"
    dispensing_unit = "tablet"
    pack_size = 100
    category = "drug"
    reorder_level = 100
    charge_item = factory.SubFactory(
        PharmacyChargeItemFactory, name=factory.SelfAttribute("..generic_name")
    )


class StoreFactory(factory.django.DjangoModelFactory):
    """The pharmacy's store unless told (kind "main", or "ward" with a ward)."""

    class Meta:
        model = "pharmacy.Store"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Store {n:05d}")
    kind = "pharmacy"


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pharmacy.Supplier"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Supplier {n:05d}")


class BatchFactory(factory.django.DjangoModelFactory):
    """A batch of an item expiring a year from today (in the hospital's time zone)."""

    class Meta:
        model = "pharmacy.Batch"

    item = factory.SubFactory(FormularyItemFactory)
    batch_number = factory.Sequence(lambda n: f"B{n:05d}")
    expiry_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    unit_cost = Decimal("4.00")


def stock_put(
    store, batch, quantity: int, actor, kind: str = "adjustment", reason: str = "test stock"
):
    """`quantity` units of `batch` put into `store` through the ledger (an adjustment unless
    told), for tests whose subject is not how stock arrived."""
    from django.db import transaction

    from pharmacy import ledger

    with transaction.atomic():
        return ledger.move(
            store=store, batch=batch, kind=kind, quantity=quantity, actor=actor, reason=reason
        )


def rows_inserted(table: str, columns: list[str], rows) -> None:
    """Write `rows` (tuples in the order of `columns`) straight into `table`, for the large
    fixtures: PostgreSQL's COPY (200,000 ledger rows in a few seconds, against some 25 s of
    executemany, which sends one INSERT a row), SQLite's executemany (fast there: no network).
    No model instance is built, no save() or signal runs; the database's triggers and
    constraints still do."""
    from django.db import connection

    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))  # noqa: S608


# The large pharmacy fixtures' ledger: every kind of movement in turn, in and out.
LEDGER_KINDS = [("receipt", 1), ("dispense", -1), ("ward_use", -1), ("return", 1), ("sale", -1)]


def ledger_rows_inserted(*, count: int, stores, batches, keeper, now) -> None:
    """`count` stock movements straight into the ledger's table (rows_inserted: COPY on
    PostgreSQL), for the fixtures that hold a screen's queries to a bound under two years of
    history: movement n is in stores[n % len(stores)], of batches[n % len(batches)], of
    LEDGER_KINDS' kinds in turn, 1 to 7 units, moved by `keeper` up to 5,000 minutes before
    `now`. The balances are the fixture's to write: no balance follows these rows."""
    from pharmacy.models import StockMovement

    columns = ["store_id", "batch_id", "item_id", "kind", "quantity", "reason", "moved_by_id"]
    rows = []
    for n in range(count):
        batch = batches[n % len(batches)]
        kind, sign = LEDGER_KINDS[n % len(LEDGER_KINDS)]
        rows.append(
            (
                stores[n % len(stores)].pk,
                batch.pk,
                batch.item_id,
                kind,
                sign * (1 + n % 7),
                "",
                keeper.pk,
                now - timedelta(minutes=n % 5_000),
            )
        )
    rows_inserted(StockMovement._meta.db_table, [*columns, "moved_at"], rows)
