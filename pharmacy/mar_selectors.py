"""What the medication administration record's screens read: a stay's medication chart, the
ward's round for the current shift, and the overdue doses of the nurse's home. Each reads a fixed
number of queries however many beds, orders and doses (the doses due are computed, not stored:
pharmacy.mar)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from clinical import episode_record, prescribing
from clinical.models import Allergy
from pharmacy import mar
from pharmacy.models import (
    DoseFrequency,
    DoseOutcome,
    MedicationAdministration,
    MedicationOrder,
    Store,
    admission_model,
)

ROUND_PAGE = 20  # beds per page of the ward's round
ENDED_PAGE = 10  # ended orders per page of the chart
OVERDUE_SHOWN = 8  # overdue doses listed on the nurse's home (with the count of all)


@dataclass
class Dose:
    """One scheduled dose of an order: when it is due, what was recorded (None: nothing yet),
    whether it is overdue, and whether it may be recorded now (not more than an hour ahead)."""

    order: MedicationOrder
    due_at: datetime
    record: MedicationAdministration | None
    overdue: bool
    recordable: bool

    @property
    def key(self) -> str:
        return f"{self.order.pk}-{int(self.due_at.timestamp())}"


@dataclass
class OrderRow:
    """An order with its doses in the window shown (earlier shift, this shift) and, for a PRN
    order, the doses given in the last 24 hours."""

    order: MedicationOrder
    earlier: list[Dose] = field(default_factory=list)
    current: list[Dose] = field(default_factory=list)
    prn_given: list[MedicationAdministration] = field(default_factory=list)

    @property
    def prn_left(self) -> int:
        return max(0, (self.order.prn_max_per_24h or 0) - len(self.prn_given))

    @property
    def overdue(self) -> int:
        return sum(dose.overdue for dose in self.earlier + self.current)


def active_orders_q(now: datetime) -> Q:
    """Orders not stopped and not past their planned stop at `now`."""
    return Q(stopped_at__isnull=True) & (Q(stop_at__isnull=True) | Q(stop_at__gt=now))


def _records(orders: list[MedicationOrder], starts_at: datetime, now: datetime) -> dict:
    """(order id, due_at) -> record for scheduled doses from `starts_at`, and (order id, None)
    -> [PRN doses given in the last 24 hours]: one query."""
    rows = MedicationAdministration.objects.filter(order__in=[order.pk for order in orders]).filter(
        Q(due_at__gte=starts_at) | Q(due_at__isnull=True, recorded_at__gt=now - timedelta(hours=24))
    )
    found: dict = {}
    for row in rows.select_related("recorded_by").order_by("recorded_at", "id"):
        if row.due_at is None:
            if row.outcome == DoseOutcome.GIVEN:
                found.setdefault((row.order_id, None), []).append(row)
        else:
            found[(row.order_id, row.due_at)] = row
    return found


def _rows(orders: list[MedicationOrder], shift: mar.Shift, now: datetime) -> list[OrderRow]:
    earlier = shift.previous()
    records = _records(orders, earlier.starts_at, now)
    rows = []
    for order in orders:
        row = OrderRow(order=order, prn_given=records.get((order.pk, None), []))
        # Every list of orders read here carries its stay's admission (`admitted_at`).
        admitted_at = order.admitted_at
        for due in mar.due_times(order, earlier.starts_at, shift.ends_at, admitted_at=admitted_at):
            record = records.get((order.pk, due))
            dose = Dose(
                order=order,
                due_at=due,
                record=record,
                overdue=record is None and mar.is_overdue(due, now),
                recordable=record is None and due <= now + timedelta(hours=1),
            )
            (row.current if due >= shift.starts_at else row.earlier).append(dose)
        rows.append(row)
    return rows


def chart(admission: object, *, now: datetime | None = None) -> dict:
    """A stay's medication chart: {"shift", "previous", "rows": [OrderRow] of the active orders
    (with the previous shift's and this shift's doses), "ended": the orders stopped or ended, a
    queryset newest first (the view pages it)}. Three queries and the ended page."""
    now = now or timezone.now()
    shift = mar.shift_at(now)
    orders = (
        MedicationOrder.objects.filter(admission=admission)
        .select_related("item", "ordered_by", "stopped_by")
        .annotate(admitted_at=F("admission__admitted_at"))
    )
    active = list(orders.filter(active_orders_q(now)).order_by("frequency", "start_at", "id"))
    active.sort(key=lambda order: (order.frequency == DoseFrequency.PRN, order.start_at, order.pk))
    return {
        "now": now,
        "shift": shift,
        "previous": shift.previous(),
        "rows": _rows(active, shift, now),
        "ended": orders.exclude(active_orders_q(now)).order_by("-start_at", "-id"),
    }


def ward_model() -> type:
    """The ward model, through the label the ward store's foreign key names ("wards.Ward")."""
    return Store._meta.get_field("ward").related_model


def wards() -> list[tuple[int, str]]:
    """The active wards, (id, name), in the order the ward pages list them."""
    return list(
        ward_model().objects.filter(active=True).order_by("kind", "name").values_list("pk", "name")
    )


def stays_on_ward(ward_id: int) -> QuerySet:
    """The active admissions in the ward's beds, by bed number, with each patient's current
    allergies (`patient.current_allergies`: one query for the page, the round's allergy line)."""
    return (
        admission_model()
        .objects.filter(discharged_at__isnull=True, bed__ward_id=ward_id)
        .select_related("patient", "bed")
        .prefetch_related(
            Prefetch(
                "patient__allergy_records",
                queryset=Allergy.objects.filter(removed_at__isnull=True),
                to_attr="current_allergies",
            )
        )
        .order_by("bed__number", "pk")
    )


def round_rows(stays: list, *, now: datetime | None = None) -> dict:
    """The ward's round for the shift `now` falls in, for `stays` (a page of stays_on_ward):
    {"shift", "beds": [{"stay", "rows": [OrderRow]}], "due", "overdue", "given"} where each stay's
    rows are its orders active in the shift; the counts are of this page's doses. Two queries."""
    now = now or timezone.now()
    shift = mar.shift_at(now)
    earlier = shift.previous()
    orders = list(
        MedicationOrder.objects.filter(admission__in=[stay.pk for stay in stays])
        .filter(start_at__lt=shift.ends_at)
        .exclude(stopped_at__lte=earlier.starts_at)
        .exclude(stop_at__lte=earlier.starts_at)
        .select_related("item")
        .annotate(admitted_at=F("admission__admitted_at"))
        .order_by("start_at", "id")
    )
    rows = _rows(orders, shift, now)
    beds = []
    counts = {"due": 0, "overdue": 0, "recorded": 0}
    for stay in stays:
        shown = []
        for row in rows:
            if row.order.admission_id != stay.pk:
                continue
            # The earlier shift's doses show while nothing is recorded (missed, overdue), and once
            # recorded late in this shift.
            row.earlier = [
                dose
                for dose in row.earlier
                if dose.record is None or dose.record.recorded_at >= shift.starts_at
            ]
            if row.earlier or row.current or (row.order.is_prn and row.order.is_active):
                shown.append(row)
            for dose in row.earlier + row.current:
                counts["due"] += 1
                counts["overdue"] += dose.overdue
                counts["recorded"] += dose.record is not None
        beds.append({"stay": stay, "rows": shown})
    return {"now": now, "shift": shift, "beds": beds, **counts}


def overdue_doses(*, ward_id: int | None = None, now: datetime | None = None) -> dict:
    """Doses overdue on the wards (or one ward): scheduled doses of the active stays' orders due
    from the start of the previous shift, with nothing recorded, more than the setting's minutes
    ago. {"count", "rows": the first OVERDUE_SHOWN, oldest first, each {"dose", "stay"},
    "per_ward": [(ward id, name, count)]}. Two queries."""
    now = now or timezone.now()
    shift = mar.shift_at(now)
    earlier = shift.previous()
    orders = MedicationOrder.objects.filter(
        admission__discharged_at__isnull=True, start_at__lt=now
    ).exclude(frequency=DoseFrequency.PRN)
    orders = orders.exclude(stopped_at__lte=earlier.starts_at).exclude(
        stop_at__lte=earlier.starts_at
    )
    if ward_id is not None:
        orders = orders.filter(admission__bed__ward_id=ward_id)
    orders = list(
        orders.select_related("item", "admission__patient", "admission__bed__ward")
        .annotate(admitted_at=F("admission__admitted_at"))
        .order_by("start_at", "id")
    )
    rows = _rows(orders, shift, now)
    late = [
        {"dose": dose, "stay": row.order.admission}
        for row in rows
        for dose in row.earlier + row.current
        if dose.overdue
    ]
    late.sort(key=lambda entry: (entry["dose"].due_at, entry["stay"].bed.number))
    per_ward: dict[int, list] = {}
    for entry in late:
        ward = entry["stay"].bed.ward
        per_ward.setdefault(ward.pk, [ward.pk, ward.name, 0])[2] += 1
    return {
        "count": len(late),
        "rows": late[:OVERDUE_SHOWN],
        "per_ward": [tuple(value) for value in per_ward.values()],
        "now": now,
    }


def admission_summary(admission: object, *, now: datetime | None = None) -> dict:
    """The admission page's medication panel: the active orders and this shift's doses, with the
    counts due, overdue and recorded. Two queries."""
    data = chart(admission, now=now)
    doses = [dose for row in data["rows"] for dose in row.earlier + row.current]
    return {
        **data,
        "overdue": sum(dose.overdue for dose in doses),
        "due": sum(dose.record is None for dose in doses),
    }


def episode_medications(admission: object) -> list[episode_record.MedicationLine]:
    """The stay's medication orders for its discharge (clinical.episode_record's pharmacy
    source): each with its dose, route and frequency, active or not at this moment."""
    now = timezone.now()
    active = set(
        MedicationOrder.objects.filter(admission=admission)
        .filter(active_orders_q(now))
        .values_list("pk", flat=True)
    )
    lines = []
    for order in (
        MedicationOrder.objects.filter(admission=admission)
        .select_related("item")
        .order_by("start_at", "id")
    ):
        frequency = order.get_frequency_display()
        if order.is_prn:
            frequency = f"when required, at most {order.prn_max_per_24h} in 24 hours" + (
                f" ({order.indication})" if order.indication else ""
            )
        lines.append(
            episode_record.MedicationLine(
                name=order.item.name,
                dose=order.dose,
                route=order.get_route_display().lower(),
                frequency=frequency,
                active=order.pk in active,
            )
        )
    return lines


def active_medicines(patient_id: object) -> list[prescribing.Medicine]:
    """The patient's active inpatient orders as the prescribing checks read them (clinical's
    registry: duplicate therapy and interactions count them as running), on a stay not yet
    discharged; one query."""
    orders = (
        MedicationOrder.objects.filter(patient_id=patient_id, admission__discharged_at__isnull=True)
        .filter(active_orders_q(timezone.now()))
        .select_related("item")
        .order_by("start_at", "id")
    )
    return [
        prescribing.medicine_for(
            name=order.item.name,
            generic_name=order.item.generic_name,
            classes=order.item.allergen_classes or (),
        )
        for order in orders
    ]
