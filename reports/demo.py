"""Demo records of the analytics: the hospital's last ninety days (reports.demo_plan), made
through the services at their moments (hms.demo_clock), so the dashboard's money, occupancy,
stays and lab turnaround, and the bed forecast, have a past from the first sign-in.

Every action is the service a person would have used, at the moment the plan says: patients
registered at the desk, admitted (the deposit taken), transferred, tested (ordered, collected,
resulted, verified), discharged by the doctor and at the desk (the rest of the bill paid, or
the unused deposit given back), beds cleaned; clinic visits billed and paid, one with a credit
note and one with a refund. So the audit rows, charges, invoices, receipts and the beds' status
histories are those real use leaves. Notifications of the past are marked read when they were
ten minutes old (the staff read them then).

Made once (the clinic's charges carry HISTORY_SOURCE); in beds vacant now with no status
recorded since the history's first day, so the demo's patients in bed now are not disturbed.
Runs after every other app's `seed` (reports is the last app), before the `seed_late` steps.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from billing import selectors as billing_selectors
from billing import services as billing
from billing.models import AdvanceDeposit, Charge, InvoiceStatus
from clinical import services as clinical
from clinical.models import Patient
from engineering.models import MachineStatus, MachineStatusChange
from hms import params
from hms.demo_clock import DemoClock
from lab import services as lab
from lab.models import LabTest, OrderStatus, Priority, TestOrder
from messaging.models import Notification
from reports import demo_plan
from reports.period import local_midnight
from wards import accrual
from wards import services as wards
from wards.models import Admission, Bed, BedStatus, BedStatusChange

HISTORY_SOURCE = "demo:history"
STAFF = ["reception", "nurse", "doctor", "lab", "admin", "accountant"]
ACCRUAL_LATE = timedelta(minutes=3)  # the periodic accrual's run after a midnight
DAY_SHIFT = (7, 19)  # the desk admits by day; the nurse in charge at night
TRANSFER_REASONS = {
    ("emergency", "general"): "Bed free on the ward",
    ("emergency", "icu"): "Needs intensive care",
    ("icu", "general"): "Stable: stepped down to the ward",
}
# What the lab reports for each test: (value when normal, when abnormal) by field; never a
# critical value (those page the doctor until acknowledged, which the past is not).
RESULTS = {
    "RBS": {"Glucose": ("5.6", "11.2")},
    "UEC": {
        "Sodium": ("139", "131"),
        "Potassium": ("4.1", "3.2"),
        "Urea": ("5.2", "11.4"),
        "Creatinine": ("78", "142"),
    },
    "CBC": {
        "Haemoglobin": ("13.1", "9.2"),
        "White cells": ("7.4", "14.8"),
        "Platelets": ("245", "128"),
    },
    "BS-MPS": {
        "Malaria parasites": ("Not seen", "Seen, + (scanty)"),
        "Species": ("", "P. falciparum"),
    },
    "URINE": {
        "pH": ("6.0", "7.5"),
        "Specific gravity": ("1.015", "1.028"),
        "Protein": ("Negative", "+"),
        "Glucose": ("Negative", "Negative"),
    },
}
FINDINGS = {
    "ECG": ("Sinus rhythm, rate 78. Normal axis. No acute ST changes.", "Sinus tachycardia, rate 112. Left ventricular hypertrophy by voltage."),
    "XR-CHEST": ("Clear lung fields. Normal heart size.", "Right lower zone consolidation. Heart size normal."),
    "US-ABD": ("Normal liver, gallbladder, kidneys and spleen.", "Gallbladder with multiple small stones; no wall thickening."),
    "CT-HEAD": ("No intracranial haemorrhage, mass or midline shift.", "Small left frontal contusion; no midline shift."),
}  # fmt: skip
REFUND_REASONS = {
    "deposit": "Unused deposit returned at discharge",
    "review": "A review within two weeks of a discharge is free: consultation fee paid by mistake",
}
CREDIT_REASON = "Wound dressing charged but not done: the wound had healed"
MPESA_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1, as Safaricom's codes


@dataclass
class _Made:
    """What a planned stay's or visit's first step made, for the later steps."""

    admission: Admission | None = None
    orders: dict[str, TestOrder] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)


class _History:
    """Turns the plan into steps at their moments, and runs them in time order."""

    def __init__(self, staff: dict[str, User]) -> None:
        self.staff = staff
        self.steps: list[tuple[datetime, int, Callable[[DemoClock], None]]] = []
        self.patients: dict[int, Patient] = {}
        self.tests = {t.code: t for t in LabTest.objects.prefetch_related("fields")}
        self.beds = {b.pk: b for b in Bed.objects.select_related("ward")}
        self.receipts = 0
        self.registered: set[int] = set()
        self.down = _machines_down()

    def at(self, moment: datetime, action: Callable[[DemoClock], None]) -> None:
        self.steps.append((moment, len(self.steps), action))

    def run(self) -> None:
        with DemoClock() as clock:
            for moment, _order, action in sorted(self.steps, key=lambda step: step[:2]):
                clock.set(moment)
                action(clock)

    # --- references the desk types -------------------------------------------------------------

    def reference(self, mode: str) -> str:
        """A new receipt reference for `mode`: an M-Pesa code (Safaricom's ten letters and
        digits), a card slip's authorisation number, nothing for cash."""
        if mode == "cash":
            return ""
        self.receipts += 1
        if mode == "card":
            return f"AUTH {self.receipts:06d}"
        # An odd multiplier modulo 32**9 is one-to-one: never the same code twice.
        scrambled = (self.receipts * 2654435761 + 12345) % 32**9
        return "S" + "".join(MPESA_LETTERS[(scrambled >> (5 * i)) & 31] for i in range(9))

    # --- people -------------------------------------------------------------------------------

    def patient(self, person: demo_plan.Person) -> Patient:
        return self.patients[person.key]

    def register(self, person: demo_plan.Person) -> None:
        """Registered at the desk on their first visit (once)."""
        if person.key in self.registered:
            return
        self.registered.add(person.key)

        def act(clock: DemoClock) -> None:
            self.patients[person.key] = clinical.patient_register(
                actor=self.staff["reception"],
                fields={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "date_of_birth": person.born,
                    "sex": person.sex,
                    "phone": person.phone,
                    "address": "Nakuru",
                },
                not_a_duplicate=True,
            )

        self.at(person.registered_at, act)

    # --- the lab ------------------------------------------------------------------------------

    def order(
        self,
        person: demo_plan.Person,
        tests: list[demo_plan.TestPlan],
        priority: str,
        stay: _Made | None = None,
    ) -> None:
        """The doctor orders `tests` together; the lab takes each through its steps."""
        tests = [t for t in tests if t.code in self.tests and not self._machine_was_down(t)]
        if not tests:
            return
        made = _Made()

        def ordered(clock: DemoClock) -> None:
            orders = lab.order_tests(
                actor=self.staff["doctor"],
                patient=self.patient(person),
                tests=[self.tests[t.code] for t in tests],
                priority=priority,
                admission=stay.admission if stay else None,
            )
            made.orders.update({order.test.code: order for order in orders})

        self.at(tests[0].ordered_at, ordered)
        for n, test in enumerate(tests):
            abnormal = (person.key + n) % 3 == 0
            self.at(test.collected_at, self._advance(made, test.code, OrderStatus.COLLECTED))
            self.at(test.started_at, self._advance(made, test.code, OrderStatus.IN_PROGRESS))
            self.at(test.resulted_at, self._result(made, test.code, abnormal))
            self.at(test.verified_at, self._advance(made, test.code, OrderStatus.VERIFIED))

    def _advance(self, made: _Made, code: str, to: str) -> Callable[[DemoClock], None]:
        def act(clock: DemoClock) -> None:
            # A second person verifies (lab.services): the demo's administrator.
            who = self.staff["admin" if to == OrderStatus.VERIFIED else "lab"]
            lab.order_advance(actor=who, order=made.orders[code], to_status=to)

        return act

    def _result(self, made: _Made, code: str, abnormal: bool) -> Callable[[DemoClock], None]:
        def act(clock: DemoClock) -> None:
            test = self.tests[code]
            values = {
                str(field.pk): RESULTS.get(code, {}).get(field.name, ("", ""))[abnormal]
                for field in test.fields.all()
            }
            findings = FINDINGS[code][abnormal] if code in FINDINGS else ""
            order = made.orders[code]
            lab.results_enter(
                actor=self.staff["lab"], order=order, values=values, findings=findings
            )
            lab.order_advance(actor=self.staff["lab"], order=order, to_status=OrderStatus.COMPLETED)

        return act

    def _machine_was_down(self, test: demo_plan.TestPlan) -> bool:
        machine_type = self.tests[test.code].machine_type
        return any(start <= test.ordered_at < end for start, end in self.down.get(machine_type, []))

    # --- stays --------------------------------------------------------------------------------

    def stay(self, plan: demo_plan.StayPlan) -> None:
        self.register(plan.person)
        stay = _Made()
        first = plan.legs[0]

        def admit(clock: DemoClock) -> None:
            hour = timezone.localtime(first.start).hour
            desk = "reception" if DAY_SHIFT[0] <= hour < DAY_SHIFT[1] else "nurse"
            stay.admission = wards.admission_create(
                actor=self.staff[desk],
                patient=self.patient(plan.person),
                attending_doctor=self.staff["doctor"],
                bed=self.beds[first.bed],
                reason=plan.reason,
                advance_deposit=Decimal(plan.deposit),
                deposit_mode=plan.deposit_mode,
                deposit_reference=self.reference(plan.deposit_mode),
            )

        self.at(first.start, admit)
        urgent = first.kind in ("emergency", "icu")
        self.order(plan.person, plan.tests, Priority.URGENT if urgent else Priority.ROUTINE, stay)
        for before, leg in zip(plan.legs, plan.legs[1:], strict=False):
            self.at(leg.start, self._transfer(stay, before.kind, leg))
        for leg in plan.legs:
            self.at(leg.cleaned_at, self._cleaned(leg.bed))
        # The ward days fall due at each midnight of the stay, and the periodic accrual
        # (wards.tasks, every five minutes) posts them then, as the system.
        day = timezone.localdate(first.start) + timedelta(days=1)
        while (midnight := local_midnight(day)) < plan.discharged_at:
            self.at(midnight + ACCRUAL_LATE, self._accrued(stay))
            day += timedelta(days=1)
        self.at(plan.discharge_ordered_at, self._discharge_order(stay, plan))
        self.at(plan.discharged_at, self._discharge(stay, plan))

    def _transfer(self, stay: _Made, came_from: str, leg: demo_plan.Leg) -> Callable:
        def act(clock: DemoClock) -> None:
            wards.admission_transfer(
                actor=self.staff["nurse"],
                admission=stay.admission,
                bed=self.beds[leg.bed],
                reason=TRANSFER_REASONS[(came_from, leg.kind)],
            )

        return act

    def _accrued(self, stay: _Made) -> Callable[[DemoClock], None]:
        def act(clock: DemoClock) -> None:
            with transaction.atomic():  # as wards.accrual.accrue_all runs each admission
                accrual.accrue_admission(stay.admission, now=timezone.now())

        return act

    def _cleaned(self, bed: int) -> Callable[[DemoClock], None]:
        def act(clock: DemoClock) -> None:
            wards.bed_set_status(
                actor=self.staff["nurse"], bed=self.beds[bed], status=BedStatus.VACANT
            )

        return act

    def _discharge_order(self, stay: _Made, plan: demo_plan.StayPlan) -> Callable:
        def act(clock: DemoClock) -> None:
            wards.discharge_order(
                actor=self.staff["doctor"],
                admission=stay.admission,
                summary={
                    "final_diagnosis": plan.reason,
                    "follow_up": "Review in the clinic in two weeks.",
                },
            )

        return act

    def _discharge(self, stay: _Made, plan: demo_plan.StayPlan) -> Callable:
        """At the desk: the rest of the bill paid (or nothing), the discharge completed, its
        invoice issued and paid from the deposits, what is left of them given back."""

        def act(clock: DemoClock) -> None:
            admission = stay.admission
            patient = self.patient(plan.person)
            desk = self.staff["reception"]
            owing = billing_selectors.discharge_clearance(patient, admission).owing
            if owing > 0:
                billing.advance_take(
                    actor=desk,
                    patient=patient,
                    amount=owing,
                    mode=plan.top_up_mode,
                    reference=self.reference(plan.top_up_mode),
                    admission=admission,
                )
            wards.discharge_process(actor=desk, admission=admission)
            clock.set(plan.discharged_at + timedelta(minutes=5))
            invoice = billing.invoice_issue(
                actor=desk, invoice=admission.invoices.get(status=InvoiceStatus.DRAFT)
            )
            billing.advance_apply(actor=desk, invoice=invoice)
            clock.set(plan.discharged_at + timedelta(minutes=12))
            for deposit in AdvanceDeposit.objects.filter(patient=patient).order_by("pk"):
                if deposit.available > 0:
                    billing.advance_refund(
                        actor=self.staff["accountant"],
                        advance=deposit,
                        amount=deposit.available,
                        method=deposit.mode,
                        reason=REFUND_REASONS["deposit"],
                        reference=self.reference(deposit.mode),
                    )

        return act

    # --- the clinic ---------------------------------------------------------------------------

    def visit(self, plan: demo_plan.VisitPlan) -> None:
        self.register(plan.person)
        visit = _Made()

        def consult(clock: DemoClock) -> None:
            patient = self.patient(plan.person)
            for code in ["CONSULT", *plan.extras]:
                visit.charges[code] = billing.charge_post(
                    actor=self.staff["reception"], patient=patient, code=code, source=HISTORY_SOURCE
                )

        self.at(plan.at, consult)
        self.order(plan.person, plan.tests, Priority.ROUTINE)

        def pay(clock: DemoClock) -> None:
            desk = self.staff["reception"]
            draft = billing.invoice_draft(actor=desk, patient=self.patient(plan.person))
            invoice = billing.invoice_issue(actor=desk, invoice=draft)
            if plan.correction == "credit_note":
                clock.set(plan.paid_at + timedelta(minutes=3))
                billing.credit_note_issue(
                    actor=self.staff["accountant"],
                    invoice=invoice,
                    reason=CREDIT_REASON,
                    charge_ids=[visit.charges["NURS-DRESS"].pk],
                )
                invoice.refresh_from_db()
            clock.set(plan.paid_at + timedelta(minutes=5))
            payment = billing.payment_take(
                actor=desk,
                invoice=invoice,
                amount=invoice.balance,
                mode=plan.mode,
                reference=self.reference(plan.mode),
            )
            if plan.correction == "refund":
                clock.set(plan.paid_at + timedelta(minutes=25))
                method = plan.mode
                billing.payment_refund(
                    actor=self.staff["accountant"],
                    payment=payment,
                    amount=visit.charges["CONSULT"].amount,
                    reason=REFUND_REASONS["review"],
                    method=method,
                    reference=self.reference(method),
                )

        self.at(plan.paid_at, pay)


def _machines_down() -> dict[str, list[tuple[datetime, datetime]]]:
    """The stretches each machine type had a machine out of use (engineering's demo history):
    no imaging test is ordered on one of them then."""
    down: dict[str, list[tuple[datetime, datetime]]] = {}
    since: dict[int, datetime] = {}
    changes = MachineStatusChange.objects.select_related("machine").order_by("effective_at", "pk")
    for change in changes:
        machine = change.machine
        if change.to_status != MachineStatus.OPERATIONAL:
            since.setdefault(machine.pk, change.effective_at)
        elif machine.pk in since:
            down.setdefault(machine.machine_type, []).append(
                (since.pop(machine.pk), change.effective_at)
            )
    return down


def _beds_for_history(first: datetime) -> dict[str, list[int]]:
    """The beds vacant now whose status has not changed since `first`, by ward type."""
    changed = BedStatusChange.objects.filter(at__gte=first).values("bed")
    beds: dict[str, list[int]] = {}
    for bed in (
        Bed.objects.filter(status=BedStatus.VACANT, ward__active=True)
        .exclude(pk__in=changed)
        .select_related("ward")
        .order_by("ward__name", "number")
    ):
        beds.setdefault(bed.ward.kind, []).append(bed.pk)
    return beds


def seed(log) -> None:
    staff = {u.username: u for u in User.objects.filter(username__in=STAFF)}
    if len(staff) < len(STAFF):
        return
    if Charge.objects.filter(source=HISTORY_SOURCE).exists():
        log(f"History: made already (the last {demo_plan.HISTORY_DAYS} days).")
        return
    now = timezone.now()
    today = timezone.localdate()
    first = now - timedelta(days=demo_plan.HISTORY_DAYS + 1)
    plan = demo_plan.plan(
        today=today,
        now=now,
        zone=params.hospital_zone(),
        beds=_beds_for_history(first),
        turnaround=dict(
            LabTest.objects.filter(active=True).values_list("code", "turnaround_minutes")
        ),
    )
    history = _History(staff)
    for stay in plan.stays:
        history.stay(stay)
    for visit in plan.visits:
        history.visit(visit)
    read_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    history.run()
    # The staff read the past's notifications when they came (ten minutes later, say).
    Notification.objects.filter(pk__gt=read_before, read_at__isnull=True).update(
        read_at=F("created_at") + timedelta(minutes=10)
    )
    log(
        f"History: {len(plan.stays)} stays and {len(plan.visits)} clinic visits over the last"
        f" {demo_plan.HISTORY_DAYS} days."
    )
