"""Today at the hospital: the day's appointments, admissions and discharges, free beds by ward,
staff on leave and pharmacy items below their reorder level. "Today" is the hospital's calendar
day (settings.TIME_ZONE) whatever period the dashboard shows: these are counts of now.

Five queries whatever the size of the hospital (one per source: appointments, admissions,
wards, leave, stock levels).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from clinical.models import Appointment, AppointmentStatus
from hr import leave_selectors
from pharmacy import selectors as pharmacy_selectors
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod, local_midnight
from wards.models import Admission, BedStatus, Ward


@dataclass(frozen=True)
class WardBeds:
    """One active ward's beds now: `free` vacant ones, `occupied`, `unavailable` (being cleaned
    or under maintenance), `total` all of its beds."""

    name: str
    free: int
    occupied: int
    unavailable: int
    total: int


@dataclass(frozen=True)
class TodayCounts:
    """The counts of `day` (the hospital's today). Appointments are those starting on the day:
    `booked` every one not cancelled, `checked_in` those whose patient arrived (checked in,
    with the doctor or seen), `no_show` those marked as not attended. `admissions` and
    `discharges` are stays begun and ended on the day; `staff_on_leave` people with approved
    leave covering any part of it; `below_reorder` active pharmacy items whose unexpired units
    in all stores are fewer than their reorder level."""

    day: date
    booked: int
    checked_in: int
    no_show: int
    admissions: int
    discharges: int
    wards: list[WardBeds]
    staff_on_leave: int
    below_reorder: int

    @property
    def beds_free(self) -> int:
        return sum(ward.free for ward in self.wards)

    def figures(self) -> list[tuple[str, int]]:
        """(what, how many) as the panel and the CSV list them."""
        return [
            ("Appointments booked", self.booked),
            ("Appointments checked in", self.checked_in),
            ("Appointments not attended (no-show)", self.no_show),
            ("Admissions", self.admissions),
            ("Discharges", self.discharges),
            ("Beds free", self.beds_free),
            ("Staff on leave", self.staff_on_leave),
            ("Pharmacy items below reorder level", self.below_reorder),
        ]

    def tables(self) -> list[Table]:
        day = self.day.strftime("%d/%m/%Y")
        return [
            Table("today", f"Today ({day})", ("Count", "Number"), self.figures()),
            Table(
                "today-beds",
                f"Beds by ward ({day}, now)",
                ("Ward", "Free", "Occupied", "Cleaning or maintenance", "Beds"),
                [(w.name, w.free, w.occupied, w.unavailable, w.total) for w in self.wards],
            ),
        ]

    def charts(self) -> list[Chart]:
        if not self.wards:
            return []
        return [
            Chart(
                "Beds by ward now",
                "bar",
                [ward.name for ward in self.wards],
                [
                    Series("Free", [ward.free for ward in self.wards]),
                    Series("Occupied", [ward.occupied for ward in self.wards]),
                ],
                unit="beds",
            )
        ]


ARRIVED = [
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.IN_CONSULTATION,
    AppointmentStatus.COMPLETED,
]


def compute(period: ReportPeriod | None = None) -> TodayCounts:
    """The hospital's counts today; `period` is not read (the panel says so). Five queries."""
    day = timezone.localdate()
    opens, closes = local_midnight(day), local_midnight(day + timedelta(days=1))
    appointments = Appointment.objects.filter(starts_at__gte=opens, starts_at__lt=closes)
    booked = appointments.aggregate(
        booked=Count("id", filter=~Q(status=AppointmentStatus.CANCELLED)),
        checked_in=Count("id", filter=Q(status__in=ARRIVED)),
        no_show=Count("id", filter=Q(status=AppointmentStatus.NO_SHOW)),
    )
    admitted = Q(admitted_at__gte=opens, admitted_at__lt=closes)
    discharged = Q(discharged_at__gte=opens, discharged_at__lt=closes)
    stays = Admission.objects.filter(admitted | discharged).aggregate(
        admissions=Count("id", filter=admitted), discharges=Count("id", filter=discharged)
    )
    wards = Ward.objects.filter(active=True).annotate(
        free=Count("beds", filter=Q(beds__status=BedStatus.VACANT)),
        occupied=Count("beds", filter=Q(beds__status=BedStatus.OCCUPIED)),
        unavailable=Count(
            "beds", filter=Q(beds__status__in=[BedStatus.CLEANING, BedStatus.MAINTENANCE])
        ),
        total=Count("beds"),
    )
    return TodayCounts(
        day=day,
        wards=[
            WardBeds(w.name, w.free, w.occupied, w.unavailable, w.total)
            for w in wards.order_by("name")
        ],
        staff_on_leave=len(leave_selectors.who_is_away(day, 1)),
        below_reorder=pharmacy_selectors.stock_levels(stores=[], low_only=True).count(),
        **booked,
        **stays,
    )


register(
    Metric(
        key="today",
        title="Today",
        definition=(
            "The hospital's counts for today, whatever the period chosen: appointments, "
            "admissions, discharges, free beds, staff on leave, pharmacy items to reorder."
        ),
        finance=False,
        compute=compute,
    )
)
