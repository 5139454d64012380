"""Ward charges: each stay's service days (or, in per-hour wards, started hours) posted to the
patient's account exactly once, through billing's `charge_post` with an accrual key.

Per-day wards: the days counted follow settings.HMS_WARD_DAY_RULE; a day is charged at the rate
of the ward the patient was in at the end of that day (or, on the discharge day, at discharge),
and only once it is over, except at discharge, which posts the final partial period. Per-hour
wards (Emergency): every hour begun in the stay, as soon as it begins. Because every line has a
unique key, running the accrual twice, or after the server was off for three days, posts exactly
the missing lines.
"""

import logging
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import services as billing
from wards.models import ACTIVE_ADMISSION, Admission, BedStay

logger = logging.getLogger(__name__)


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _days_to_charge(admission: Admission, until: datetime, final: bool) -> list:
    first = timezone.localdate(admission.admitted_at)
    last = timezone.localdate(until)
    if settings.HMS_WARD_DAY_RULE == "nights":
        days = [first + timedelta(n) for n in range((last - first).days)] or [first]
        if not final:
            # A night is charged once it has been spent: the day before today at the latest.
            days = [d for d in days if d < timezone.localdate(until)]
        return days
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    if not final:
        days = [d for d in days if d < timezone.localdate(until)]  # only days that are over
    return days


def _hours_begun(stay: BedStay, until: datetime) -> int:
    """Hours begun in a stay: a stay of 2 h 10 min has begun 3; an ended stay of exactly 2 h, 2."""
    seconds = ((stay.ended_at or until) - stay.started_at).total_seconds()
    if stay.ended_at is not None:
        return max(1, math.ceil(seconds / 3600))
    return int(seconds // 3600) + 1


def accrue_admission(admission: Admission, *, now: datetime | None = None, actor=None) -> int:
    """Post the admission's missing ward charges up to `now`; returns how many lines were posted."""
    now = now or timezone.now()
    final = admission.discharged_at is not None
    until = admission.discharged_at if final else now
    stays = list(admission.stays.select_related("ward").order_by("started_at", "id"))
    daily = [s for s in stays if not s.ward.charged_per_hour]
    posted = 0
    for day in _days_to_charge(admission, until, final):
        day_starts = _local_midnight(day)
        day_ends = _local_midnight(day + timedelta(days=1))
        # The day is charged at the last daily ward the patient was in during it; a day spent
        # only in an hourly ward (Emergency) is charged by the hour instead.
        overlapping = [
            s for s in daily if s.started_at < day_ends and (s.ended_at or until) > day_starts
        ]
        if not overlapping:
            continue
        stay = overlapping[-1]
        if billing.charge_post(
            actor=actor,
            patient=admission.patient_id,
            admission=admission,
            code=stay.ward.charge_code,
            description=f"{stay.ward.name}, {day:%d %b %Y}",
            service_from=max(day_starts, admission.admitted_at),
            service_to=min(day_ends, until),
            source=f"wards.Admission:{admission.pk}",
            accrual_key=f"admission:{admission.pk}:day:{day.isoformat()}",
        ):
            posted += 1
    for stay in stays:
        if not stay.ward.charged_per_hour:
            continue
        stay_end = stay.ended_at or until
        for hour in range(_hours_begun(stay, until)):
            begins = stay.started_at + timedelta(hours=hour)
            if billing.charge_post(
                actor=actor,
                patient=admission.patient_id,
                admission=admission,
                code=stay.ward.charge_code,
                description=f"{stay.ward.name}, hour from {timezone.localtime(begins):%d %b %H:%M}",
                service_from=begins,
                service_to=min(begins + timedelta(hours=1), stay_end),
                source=f"wards.Admission:{admission.pk}",
                accrual_key=f"stay:{stay.pk}:hour:{hour}",
            ):
                posted += 1
    return posted


def accrue_all(*, now: datetime | None = None) -> int:
    """Every active admission, caught up to `now` (the periodic task). One admission's problem
    (a ward whose charge item was switched off) is logged and does not stop the others."""
    posted = 0
    for admission in Admission.objects.filter(ACTIVE_ADMISSION):
        try:
            with transaction.atomic():
                posted += accrue_admission(admission, now=now)
        except billing.BillingError:
            logger.exception("ward accrual failed for admission %s", admission.pk)
    return posted
