"""Read-only queries of the lab: reference ranges, the worklist, a patient's results, turnaround."""

import statistics
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Model,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinical import episode_record
from clinical.ages import age_in_range_days
from clinical.models import Encounter, Patient
from clinical.timeline import Event, TimelineSource
from engineering import availability
from hms import files, paging, params, rbac
from hms.prepared import Prepared
from hms.refusals import Refusal
from lab.models import (
    OPEN_STATUSES,
    Flag,
    LabTest,
    OrderStatus,
    ReferenceRange,
    ResultField,
    ResultValue,
    TestOrder,
    admission_model,
)

WORKLIST_SIZE = 50

# An order's page and every step on it read the order with its patient, test, consultation and
# stay: compiled once (hms.prepared).
_ORDER = Prepared(
    lambda pk: TestOrder.objects.select_related("patient", "test", "encounter", "admission").filter(
        pk=pk
    ),
    pk=-1,
)


def order_by_id(pk: int) -> TestOrder | None:
    """The test order `pk` with its patient, test, consultation and stay, or None."""
    return _ORDER.one(pk=pk)


# Who did an order's steps (lab.views.STEP_PEOPLE: six at most), one equality a step so the
# query is the same whoever they are (an `IN` list's SQL changes with its length): compiled once.
_STEP_PEOPLE = Prepared(
    lambda a, b, c, d, e, f: User.objects.filter(
        Q(pk=a) | Q(pk=b) | Q(pk=c) | Q(pk=d) | Q(pk=e) | Q(pk=f)
    ),
    a=-1,
    b=-2,
    c=-3,
    d=-4,
    e=-5,
    f=-6,
)
# In the place of a step nobody did yet: no user has it.
_NOBODY = 0


def step_people(ids: list[int | None]) -> dict[int, User]:
    """The users of these ids (six at most, None for a step not done yet), by id."""
    slots = [_NOBODY if pk is None else pk for pk in ids]
    slots += [_NOBODY] * (6 - len(slots))
    return {
        person.pk: person for person in _STEP_PEOPLE.all(**dict(zip("abcdef", slots, strict=True)))
    }


# Written beside a result compared against the sexes' ranges combined.
EITHER_SEX_NOTE = "range for either sex"


def _range_for_sex(ranges: list[ReferenceRange], sex: str, age_days: int) -> ReferenceRange | None:
    fitting = [
        r
        for r in ranges
        if r.sex in (sex, "")
        and r.age_from_days <= age_days
        and (r.age_to_days is None or age_days < r.age_to_days)
    ]
    if not fitting:
        return None
    fitting.sort(key=lambda r: (r.sex == "", (r.age_to_days or 10**9) - r.age_from_days))
    return fitting[0]


def _lowest(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return min(present) if len(present) == len(values) else None


def _highest(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return max(present) if len(present) == len(values) else None


def reference_range(ranges: list[ReferenceRange], sex: str, age_days: int) -> ReferenceRange | None:
    """The range of a field that applies to a patient of this sex and age in days (counted by
    clinical.ages.age_in_range_days): one for their sex before one for either sex, the narrowest
    age band first.

    A patient whose sex is other or unknown ("O", "U") is compared against the range a woman and
    a man of that age would get, combined: the normal range is the widest of the two (the lower
    low, the higher high, so neither sex's normal value is flagged), the critical limits the more
    cautious (a value critical for either sex is called). The combined range carries the note
    "range for either sex"; when both would get the same either-sex range it is used as it is."""
    if sex in ("F", "M"):
        return _range_for_sex(ranges, sex, age_days)
    chosen = []
    for either in ("F", "M"):
        band = _range_for_sex(ranges, either, age_days)
        if band is not None and band not in chosen:
            chosen.append(band)
    if not chosen:
        return None
    if len(chosen) == 1 and chosen[0].sex == "":
        return chosen[0]
    first = chosen[0]
    combined = ReferenceRange(
        field_id=first.field_id,
        sex="",
        age_from_days=max(b.age_from_days for b in chosen),
        age_to_days=min((b.age_to_days for b in chosen if b.age_to_days), default=None),
        low=_lowest([b.low for b in chosen]),
        high=_highest([b.high for b in chosen]),
        critical_low=max(
            (b.critical_low for b in chosen if b.critical_low is not None), default=None
        ),
        critical_high=min(
            (b.critical_high for b in chosen if b.critical_high is not None), default=None
        ),
    )
    combined.note = EITHER_SEX_NOTE
    return combined


def range_age_days(order: TestOrder) -> int:
    """The patient's age in days (as reference ranges count it) on the day the sample was
    collected, or today while it has not been: a newborn's ranges change by the week."""
    when = order.collected_at or timezone.now()
    return age_in_range_days(order.patient.date_of_birth, timezone.localdate(when))


def flag_of(value: Decimal, band: ReferenceRange | None) -> str:
    if band is None:
        return Flag.NORMAL
    if band.critical_low is not None and value <= band.critical_low:
        return Flag.CRITICAL_LOW
    if band.critical_high is not None and value >= band.critical_high:
        return Flag.CRITICAL_HIGH
    if band.low is not None and value < band.low:
        return Flag.LOW
    if band.high is not None and value > band.high:
        return Flag.HIGH
    return Flag.NORMAL


def fields_with_ranges(test: LabTest) -> list[ResultField]:
    return list(test.fields.prefetch_related("ranges"))


def worklist(*, department: str = "", status: str = "") -> QuerySet:
    """The lab's open work: STAT before urgent before routine, oldest first within each."""
    orders = TestOrder.objects.select_related("patient", "test", "ordered_by")
    if status in OPEN_STATUSES or status == OrderStatus.COMPLETED:
        orders = orders.filter(status=status)
    else:
        orders = orders.filter(status__in=OPEN_STATUSES)
    if department:
        orders = orders.filter(test__department=department)
    return orders.order_by("priority_rank", "ordered_at", "id")


def awaiting_verification(*, department: str = "") -> QuerySet:
    orders = TestOrder.objects.select_related("patient", "test", "completed_by").filter(
        status=OrderStatus.COMPLETED
    )
    if department:
        orders = orders.filter(test__department=department)
    return orders.order_by("priority_rank", "completed_at", "id")


# The worklist as the lab opens it (every department, every open step) and its results awaiting
# verification: the first page (and one row more, to know whether there are more) of each read
# by a query compiled once (hms.prepared).
AWAITING_SHOWN = 50
_WORKLIST_FIRST = Prepared(lambda: worklist()[: WORKLIST_SIZE + 1])
_AWAITING_FIRST = Prepared(lambda: awaiting_verification()[: AWAITING_SHOWN + 1])


def _listed(rows: list, per_page: int) -> Page:
    """The first page of a list whose rows are all in `rows` (as hms.paging.page_of gives it)."""
    paginator = Paginator(rows, per_page)
    paginator.over = False
    return paginator.page(1)


def worklist_page(number: int, *, department: str = "", status: str = "") -> Page:
    """Page `number` of the worklist (hms.paging.page_at). The first page of every department's
    open work is read by a prepared query, and when it holds every row (one more is read) no
    queryset is built at all, neither to read it nor to count it."""
    if number == 1 and not department and not status:
        rows = _WORKLIST_FIRST.all()
        if len(rows) <= WORKLIST_SIZE:
            return _listed(rows, WORKLIST_SIZE)
        return paging.page_at(worklist(), WORKLIST_SIZE, 1, first_rows=lambda: rows)
    return paging.page_at(worklist(department=department, status=status), WORKLIST_SIZE, number)


def awaiting_panel(*, department: str = "") -> paging.FirstFew:
    """The worklist's oldest results awaiting verification (AWAITING_SHOWN) and how many there
    are: all of them are under the step "Completed". Every department's are read by a prepared
    query, and counted (by a queryset built for it) only when there are more."""
    if department:
        return paging.first_of(awaiting_verification(department=department), AWAITING_SHOWN)
    rows = _AWAITING_FIRST.all()
    if len(rows) <= AWAITING_SHOWN:
        return paging.FirstFew(rows, len(rows))
    return paging.first_of(awaiting_verification(), AWAITING_SHOWN, first_rows=lambda: rows)


def values_of(order: TestOrder, version: int) -> list[ResultValue]:
    return [v for v in order.values.all() if v.version == version]


def orders_for(
    user: User,
    *,
    patient: Patient | None = None,
    encounter: Encounter | None = None,
    admission: Model | None = None,
) -> QuerySet:
    """The orders `user` may see: every order for staff who view results, a patient's own
    verified ones."""
    orders = TestOrder.objects.select_related("test", "ordered_by", "patient")
    scope = rbac.scope(user, "tests.view_results")
    if scope is None and not rbac.allows(user, "tests.order"):
        return orders.none()
    if scope == rbac.OWN_VERIFIED:
        orders = orders.filter(patient__user=user, verified_version__gt=0)
    if patient is not None:
        orders = orders.filter(patient=patient)
    if encounter is not None:
        orders = orders.filter(encounter=encounter)
    if admission is not None:
        orders = orders.filter(admission=admission)
    return orders


def _open_orders_of_stay(
    admission_id: int, patient_id: uuid.UUID, admitted_at: datetime
) -> QuerySet:
    of_stay = Q(admission_id=admission_id) | Q(
        admission__isnull=True, patient_id=patient_id, ordered_at__gte=admitted_at
    )
    return (
        TestOrder.objects.filter(of_stay, status__in=OPEN_STATUSES, carried_over_at__isnull=True)
        .select_related("test", "ordered_by")
        .order_by("ordered_at", "id")
    )


# Every admission page asks it (and each discharge step): compiled once (hms.prepared).
_OPEN_ORDERS_OF_STAY = Prepared(
    _open_orders_of_stay,
    admission_id=-1,
    patient_id=uuid.UUID(int=1),
    admitted_at=datetime(2000, 1, 1, tzinfo=UTC),
)


def open_orders_of_stay(admission: Model) -> list[TestOrder]:
    """The stay's tests not yet resulted (nor cancelled) and not carried over to outpatient
    follow-up, oldest first, with their test and who ordered them: ordered for the admission,
    or for its patient from a consultation since the admission began. A discharge waits until
    each is cancelled or carried over."""
    return _OPEN_ORDERS_OF_STAY.all(
        admission_id=admission.pk,
        patient_id=admission.patient_id,
        admitted_at=admission.admitted_at,
    )


def portal_results(user: User) -> QuerySet:
    """A patient's verified results, newest first, with the values of the verified version."""
    return (
        TestOrder.objects.filter(patient__user=user, verified_version__gt=0)
        .select_related("test")
        .prefetch_related(Prefetch("values", queryset=ResultValue.objects.order_by("id")))
        .prefetch_related("versions")
        .order_by("-verified_at", "-id")
    )


def downloadable_report(user: User, order_id: object) -> tuple[TestOrder, FieldFile] | None:
    """The order and the report PDF `user` may download, or None: staff who view results get the
    order's report; a patient gets the report of the verified version only (never a correction
    that nobody has verified yet), and only of their own tests."""
    order_id = params.db_id(order_id)
    order = (
        TestOrder.objects.select_related("patient").filter(pk=order_id).first()
        if order_id
        else None
    )
    if order is None:
        return None
    report = order.report
    if rbac.scope(user, "tests.view_results") == rbac.OWN_VERIFIED:
        verified = order.versions.filter(version=order.verified_version).first()
        mine = order.patient.user_id == user.pk and order.verified_version
        report = verified.report if (mine and verified) else None
    return (order, report) if report else None


def late_orders(now: datetime | None = None) -> QuerySet:
    """Orders past their turnaround target and not verified yet, the longest overdue first."""
    now = now or timezone.now()
    return (
        TestOrder.objects.filter(due_at__lt=now)
        .exclude(status__in=[OrderStatus.VERIFIED, OrderStatus.CANCELLED])
        .select_related("patient", "test", "ordered_by")
        .order_by("due_at", "id")
    )


# How many orders are late, on the worklist's button and the lab's dashboard panel: one row
# whatever the number (grouped on a constant), compiled once (hms.prepared).
_LATE_COUNT = Prepared(
    lambda now: (
        TestOrder.objects.filter(due_at__lt=now)
        .exclude(status__in=[OrderStatus.VERIFIED, OrderStatus.CANCELLED])
        .order_by()
        .annotate(every=Value(1, output_field=IntegerField()))
        .values("every")
        .annotate(n=Count("id"))
    ),
    now=datetime(2000, 1, 1, tzinfo=UTC),
)


def late_count(now: datetime | None = None) -> int:
    """How many orders late_orders(now) lists."""
    rows = _LATE_COUNT.values(now=now or timezone.now())
    return rows[0]["n"] if rows else 0


@dataclass(frozen=True)
class Turnaround:
    test: str
    code: str
    target: int
    count: int
    to_sample: float | None
    to_completed: float | None
    to_verified: float | None
    within_target: int


def _median_minutes(deltas: list[timedelta]) -> float | None:
    return round(statistics.median(d.total_seconds() / 60 for d in deltas), 1) if deltas else None


def turnaround(days: int = 30, now: datetime | None = None) -> list[Turnaround]:
    """Per test, the median minutes from order to sample, to completed, to verified, over the
    orders verified in the last `days` days, and how many were within their target: verified by
    the order's `due_at`, fixed when it was ordered (as the analytics metric counts), so changing
    a test's target later does not rewrite how past orders did. `target` is the test's current
    target in minutes."""
    now = now or timezone.now()
    rows = TestOrder.objects.filter(
        status=OrderStatus.VERIFIED, verified_at__gte=now - timedelta(days=days)
    ).values_list(
        "test__name",
        "test__code",
        "test__turnaround_minutes",
        "ordered_at",
        "collected_at",
        "completed_at",
        "verified_at",
        "due_at",
    )
    by_test: dict[str, list] = {}
    for row in rows:
        by_test.setdefault(row[1], []).append(row)
    report = []
    for code, items in sorted(by_test.items(), key=lambda kv: kv[1][0][0]):
        name, target = items[0][0], items[0][2]
        sample = [r[4] - r[3] for r in items if r[4]]
        completed = [r[5] - r[3] for r in items if r[5]]
        verified = [r[6] - r[3] for r in items]
        report.append(
            Turnaround(
                name,
                code,
                target,
                len(items),
                _median_minutes(sample),
                _median_minutes(completed),
                _median_minutes(verified),
                sum(1 for r in items if r[6] <= r[7]),
            )
        )
    return report


_PRIORITY = dict(TestOrder._meta.get_field("priority").flatchoices)
_STATUS = dict(TestOrder._meta.get_field("status").flatchoices)
_VERIFIED = {"critical": "Verified · critical values", "abnormal": "Verified · abnormal"}


def _timeline_event(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    """A test on the patient's history: ordered, with the result once verified."""
    status = values["status"]
    detail = (
        _VERIFIED.get(values["flag"], "Verified · normal")
        if status == OrderStatus.VERIFIED
        else _STATUS.get(status, status)
    )
    by = f"{values['by_first_name']} {values['by_last_name']}".strip() or values["by_username"]
    return Event(
        at,
        "test",
        "eyedropper" if values["test_kind"] == "lab" else "radioactive",
        f"{values['test_name']} ordered by Dr {by}",
        f"{values['number']} · {_PRIORITY.get(values['priority'], values['priority'])} · {detail}",
        link("lab_order")(values["id"]),
    )


# The patient's tests on their history timeline (registered in lab.apps).
TIMELINE_SOURCE = TimelineSource(
    records=lambda patient: TestOrder.objects.filter(patient=patient),
    at="ordered_at",
    columns={
        "id": "id",
        "number": "number",
        "status": "status",
        "flag": "flag",
        "priority": "priority",
        "test_name": "test__name",
        "test_kind": "test__kind",
        "by_first_name": "ordered_by__first_name",
        "by_last_name": "ordered_by__last_name",
        "by_username": "ordered_by__username",
    },
    event=_timeline_event,
)


# --- what the lab's pages show ----------------------------------------------------------------

REPORT_LINK = "lab-report"


def report_url(order: TestOrder) -> str:
    """The signed, expiring link to an order's report PDF."""
    return reverse("lab_report", args=[files.sign(REPORT_LINK, order.pk)])


@dataclass(frozen=True)
class OrderOrigin:
    """Where tests are ordered from: a consultation or an admission (one of the two)."""

    encounter: Encounter | None = None
    admission: Model | None = None

    @property
    def patient(self) -> Patient:
        return (self.encounter or self.admission).patient

    @property
    def back(self) -> str:
        """The page the doctor came from, and returns to once the tests are ordered."""
        if self.encounter is not None:
            return reverse("encounter", args=[self.encounter.pk])
        return reverse("admission_detail", args=[self.admission.pk])


def order_origin(encounter_id: object, admission_id: object) -> OrderOrigin | None:
    """The consultation (?encounter=) or else the admission (?admission=) tests are ordered
    from, or None when neither names one."""
    if encounter_id := params.db_id(encounter_id):
        encounter = Encounter.objects.select_related("patient").filter(pk=encounter_id).first()
        return OrderOrigin(encounter=encounter) if encounter else None
    if admission_id := params.db_id(admission_id):
        stays = admission_model().objects.select_related("patient")
        admission = stays.filter(pk=admission_id).first()
        return OrderOrigin(admission=admission) if admission else None
    return None


def order_new_page(
    user: User, origin: OrderOrigin, *, form: forms.Form, chosen: list, offer_wait: bool = False
) -> dict:
    """The ordering form's page: the tests offered (laboratory, then imaging and machines), the
    ones ticked, the patient's tests still open, the imaging machines down (the banner), and
    whether to offer ordering "to be done when the machine is back"."""
    offered = list(form.fields["tests"].queryset)
    patient = origin.patient
    return {
        "form": form,
        "test_groups": [
            ("Laboratory", [t for t in offered if not t.is_imaging]),
            ("Imaging and machines", [t for t in offered if t.is_imaging]),
        ],
        "chosen": set(params.db_ids(chosen)),
        "patient": patient,
        "encounter": origin.encounter,
        "admission": origin.admission,
        "back": origin.back,
        "open_orders": orders_for(user, patient=patient).filter(
            status__in=[OrderStatus.PENDING, OrderStatus.COLLECTED, OrderStatus.IN_PROGRESS]
        ),
        "machines_down": availability.imaging_machines_down(),
        "offer_wait": offer_wait,
        "now": timezone.now(),
    }


ORDERS_PANEL_SIZE = 30


# The consultation that led to an admission: one held this long before it, at most.
ADMITTING_CONSULTATION_WINDOW = timedelta(hours=24)


def episode_orders(admission: Model) -> Q:
    """The tests of one inpatient episode (a wards.Admission, passed in), as a filter on
    TestOrder: those ordered on the stay, those of the consultation that led to it (an encounter
    of the patient started within ADMITTING_CONSULTATION_WINDOW before the admission: the
    morning's CBC), and the patient's outpatient orders placed while the stay lasted. An order
    tied to another stay never shows."""
    during = Q(ordered_at__gte=admission.admitted_at)
    if admission.discharged_at is not None:
        during &= Q(ordered_at__lte=admission.discharged_at)
    admitting = Q(
        encounter__started_at__gte=admission.admitted_at - ADMITTING_CONSULTATION_WINDOW,
        encounter__started_at__lte=admission.admitted_at,
    )
    return Q(patient_id=admission.patient_id) & (
        Q(admission_id=admission.pk) | (Q(admission__isnull=True) & (admitting | during))
    )


def episode_investigations(admission: Model) -> list[episode_record.Investigation]:
    """The episode's tests for its discharge (clinical.episode_record's lab source): each with
    the values of its verified version and their flags; one not verified is listed by its status
    only (no unverified value leaves the lab). Cancelled tests are left out. Three queries."""
    orders = (
        TestOrder.objects.filter(episode_orders(admission))
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("test")
        .prefetch_related(Prefetch("values", queryset=ResultValue.objects.order_by("id")))
        .prefetch_related("versions")
        .order_by("ordered_at", "id")
    )
    found = []
    for order in orders:
        verified = order.verified_version > 0
        values = [v for v in order.values.all() if verified and v.version == order.verified_version]
        findings = next(
            (
                version.findings
                for version in order.versions.all()
                if verified and version.version == order.verified_version
            ),
            "",
        )
        found.append(
            episode_record.Investigation(
                number=order.number,
                name=order.test.name,
                ordered_at=order.ordered_at,
                status=order.get_status_display(),
                verified=verified,
                findings=findings,
                results=[
                    episode_record.ResultLine(
                        name=value.name,
                        value=value.value,
                        unit=value.unit,
                        reference=value.reference,
                        flag=value.flag,
                        flag_label=value.get_flag_display() if value.flag else "",
                    )
                    for value in values
                ],
            )
        )
    return found


def orders_panel(
    user: User,
    patient: Patient,
    *,
    encounter_id: int | None,
    admission_id: int | None,
    page: int = 1,
) -> dict:
    """A patient's tests (of one consultation or admission, or all), a page of the newest
    ORDERS_PANEL_SIZE with their flagged values and how many there are, and the query the panel
    reloads itself with (keeping its page)."""
    orders = orders_for(user, patient=patient)
    if encounter_id:
        orders = orders.filter(encounter_id=encounter_id)
    elif admission_id:
        stay = admission_model().objects.filter(pk=admission_id, patient=patient).first()
        orders = orders.filter(episode_orders(stay)) if stay else orders.none()
    orders = orders.prefetch_related(
        Prefetch("values", queryset=ResultValue.objects.exclude(flag=""))
    )
    orders = Paginator(orders, ORDERS_PANEL_SIZE).get_page(page)
    order_query = (
        urlencode({"encounter": encounter_id})
        if encounter_id
        else (urlencode({"admission": admission_id}) if admission_id else "")
    )
    page_query = urlencode({"page": orders.number}) if orders.number > 1 else ""
    return {
        "patient": patient,
        "orders": orders,
        # The panel reloads itself with the same (parsed) question, on the page it shows.
        "query": "&".join(part for part in (order_query, page_query) if part),
        "order_query": order_query,
        "panel_target": f"#lab-orders-{patient.pk}",
        "can_order": rbac.allows(user, "tests.order") and bool(encounter_id or admission_id),
        # In a consultation the ordering form opens on the page, under the panel.
        "order_inline": bool(encounter_id),
    }


# The result fields of an order's test and their reference ranges, read by the order's page
# whenever results can be entered or amended: compiled once (hms.prepared). Read through the
# test's related manager and a prefetch, building the two queries was ~3,900 Python calls a load.
_FIELDS_OF_TEST = Prepared(lambda test_id: ResultField.objects.filter(test_id=test_id), test_id=-1)
_RANGES_OF_TEST = Prepared(
    lambda test_id: ReferenceRange.objects.filter(field__test_id=test_id), test_id=-1
)


def _entry_rows(order: TestOrder, values: list, typed: dict | None, errors: dict) -> list[dict]:
    """One row per result field: the value shown (as typed after a refusal, else the current
    version's), its refusal, and the reference range that applies to the patient."""
    current = {v.field_id: v for v in values if v.version == order.result_version}
    age_days = range_age_days(order)
    ranges: dict[int, list[ReferenceRange]] = {}
    for band in _RANGES_OF_TEST.all(test_id=order.test_id):
        ranges.setdefault(band.field_id, []).append(band)
    rows = []
    for field in _FIELDS_OF_TEST.all(test_id=order.test_id):
        band = reference_range(ranges.get(field.pk, []), order.patient.sex, age_days)
        shown = current[field.pk].value if field.pk in current else ""
        rows.append(
            {
                "field": field,
                "value": typed.get(str(field.pk), "") if typed is not None else shown,
                "error": errors.get(f"field-{field.pk}", ""),
                "reference": band.describe_with_note() if band else "",
            }
        )
    return rows


def order_page(
    user: User,
    order: TestOrder,
    *,
    refused: Refusal | None,
    typed: dict | None,
    posted: Mapping[str, str],
    cancellable: bool,
    colleague_must_verify: bool,
) -> dict:
    """An order's page: its steps, results (each version), the entry form and what the user may
    do. After a refused result entry or amendment (`refused`), the form shows every value as
    typed (`typed`, by field id; findings and reason as `posted`), each refusal beside its field.
    `cancellable` and `colleague_must_verify` are the lab services' answers for this order and
    user."""
    errors = refused.fields if refused is not None else {}
    # No result entered yet (result version 0: most orders on the bench): no values or versions
    # to read.
    values, versions = [], []
    if order.result_version:
        values = list(order.values.all())
        versions = list(order.versions.select_related("entered_by", "verified_by"))
    can_process = rbac.allows(user, "tests.process")
    can_enter = can_process and order.status == OrderStatus.IN_PROGRESS
    can_amend = can_process and order.status == OrderStatus.VERIFIED
    # The rows are the entry and amendment forms': none to read where neither is shown.
    entry_rows = _entry_rows(order, values, typed, errors) if can_enter or can_amend else []
    by_version = {}
    for value in values:
        by_version.setdefault(value.version, []).append(value)
    current_entry = next((e for e in versions if e.version == order.result_version), None)
    return {
        "order": order,
        "patient": order.patient,
        "history": [
            {"entry": entry, "values": by_version.get(entry.version, [])}
            for entry in reversed(versions)
        ],
        "entry_rows": entry_rows,
        "findings": posted.get("findings", "")
        if refused is not None
        else (current_entry.findings if current_entry else ""),
        "errors": errors,
        # A refusal about no one field (nothing entered at all) shows at the top of the form.
        "form_error": str(refused) if refused is not None and not errors else "",
        "typed_reason": posted.get("reason", "") if refused is not None else "",
        "can_process": can_process,
        "can_cancel": rbac.allows(user, "tests.order") and cancellable,
        "can_enter": can_enter,
        "can_amend": can_amend,
        "can_attach": can_process
        and order.status in (OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED),
        "next_status": order.next_status,
        # The one who completed a test does not verify it (unless the lab is one person).
        "verify_by_colleague": order.status == OrderStatus.COMPLETED and colleague_must_verify,
        "next_label": dict(OrderStatus.choices).get(order.next_status, ""),
        "report_url": report_url(order) if order.report else "",
        "steps": [
            ("Ordered", order.ordered_at, order.ordered_by),
            ("Sample collected", order.collected_at, order.collected_by),
            ("In progress", order.started_at, order.started_by),
            ("Completed", order.completed_at, order.completed_by),
            ("Verified", order.verified_at, order.verified_by),
        ],
        "late": order.due_at < timezone.now()
        and order.status not in (OrderStatus.VERIFIED, OrderStatus.CANCELLED),
    }


DOCTOR_RESULTS_DAYS = 7


def doctor_recent_orders(doctor: User) -> QuerySet:
    """The doctor's own orders of the last DOCTOR_RESULTS_DAYS days (not cancelled): flagged
    results first, then the newest (the dashboard's panel shows the first few, the doctor's
    results page all of them, a page at a time)."""
    since = timezone.now() - timedelta(days=DOCTOR_RESULTS_DAYS)
    return (
        TestOrder.objects.filter(ordered_by=doctor, ordered_at__gte=since)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("patient", "test")
        .order_by(
            Case(When(flag="critical", then=0), When(flag="abnormal", then=1), default=2),
            "-ordered_at",
            "-id",
        )
    )
