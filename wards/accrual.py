"""Ward charges: what a stay costs at any moment, and posting it to the patient's account.

`stay_charge_units(admission, at=...)` is the one place that says which ward charges an admission
has earned at a moment: the running bill (the periodic task and every admission, transfer and
discharge call `accrue_admission`, which posts exactly those units through billing's
`charge_post`) and the final bill at discharge are the same function at different moments, so a
bill read at 10:20 equals the bill of a discharge at 10:20. Units are counted over the whole
admission, never per bed, so a transfer never starts a charged period again; each unit is
charged at the ward the patient was in when it fell due, and every unit has a unique accrual key,
so running the accrual twice, or after the server was off for three days, posts exactly the
missing lines.

Daily wards, settings.HMS_WARD_DAY_RULE:
  `nights` (default): the midnights crossed since the patient entered a daily ward, at least
  one day (a same-day discharge is one day). The first day falls due on entering, at the ward
  entered; each later day at the midnight that adds it, at the ward of the bed occupied then.
  `calendar`: every calendar day touched, the admission and discharge days included; each day
  falls due as it starts (the first on entering), at the ward of the bed occupied then.
Hourly wards (Emergency): every hour begun of the time spent in hourly wards during the
admission (a bed change inside Emergency does not start a new hour), each falling due as it
begins, at the ward of the bed occupied then.
"""

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from billing import services as billing
from billing.models import Charge
from wards.models import ACTIVE_ADMISSION, Admission, BedStay, Ward

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ChargeUnit:
    """One chargeable day or hour of an admission: which ward charges it and from when."""

    key: str  # the accrual key: one line per admission and day (or hour), whatever runs
    ward: Ward
    description: str
    service_from: datetime
    service_to: datetime


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _ward_at(stays: list[BedStay], moment: datetime) -> Ward:
    """The ward of the bed occupied at `moment` (a transfer at that instant: the new bed)."""
    return [stay for stay in stays if stay.started_at <= moment][-1].ward


def _day_units(admission: Admission, daily: list[BedStay], at: datetime) -> list[ChargeUnit]:
    entered = daily[0].started_at
    # Days stop counting when the patient leaves the last daily ward (for an hourly one).
    left = min(daily[-1].ended_at or at, at)
    first = timezone.localdate(entered)
    midnights = (timezone.localdate(left) - first).days
    nights = settings.HMS_WARD_DAY_RULE == "nights"
    count = max(1, midnights) if nights else midnights + 1
    units = []
    for n in range(count):
        day = first + timedelta(days=n)
        # The first day falls due on entering; a later one at its midnight (nights: the midnight
        # ending that night; calendar: the midnight starting that day).
        midnight = _local_midnight(day + timedelta(days=1) if nights else day)
        due = entered if n == 0 else midnight
        ward = _ward_at(daily, due)
        units.append(
            ChargeUnit(
                key=f"admission:{admission.pk}:day:{day.isoformat()}",
                ward=ward,
                description=f"{ward.name}, {day:%d %b %Y}",
                service_from=max(_local_midnight(day), entered),
                service_to=_local_midnight(day + timedelta(days=1)),
            )
        )
    return units


def _hour_units(admission: Admission, hourly: list[BedStay], at: datetime) -> list[ChargeUnit]:
    spans = [(stay, stay.started_at, min(stay.ended_at or at, at)) for stay in hourly]
    spent = sum((end - start for _, start, end in spans), timedelta())
    count = max(1, math.ceil(spent / HOUR))
    units = []
    for n in range(count):
        # Where the n-th hour of time spent in hourly wards begins (in real time).
        before = n * HOUR
        for stay, start, end in spans:
            if before < end - start or stay is spans[-1][0]:
                begins = start + before
                break
            before -= end - start
        units.append(
            ChargeUnit(
                key=f"admission:{admission.pk}:hour:{n}",
                ward=stay.ward,
                description=f"{stay.ward.name}, hour from {timezone.localtime(begins):%d %b %H:%M}",
                service_from=begins,
                service_to=begins + HOUR,
            )
        )
    return units


def stay_charge_units(admission: Admission, *, at: datetime | None = None) -> list[ChargeUnit]:
    """Every ward charge the admission has earned at `at` (now by default; never later than the
    discharge): the running bill, the accrual and the discharge all ask this."""
    at = at or timezone.now()
    if admission.discharged_at is not None:
        at = min(at, admission.discharged_at)
    stays = [
        stay
        for stay in admission.stays.select_related("ward").order_by("started_at", "id")
        if stay.started_at <= at
    ]
    daily = [stay for stay in stays if not stay.ward.charged_per_hour]
    hourly = [stay for stay in stays if stay.ward.charged_per_hour]
    units = _day_units(admission, daily, at) if daily else []
    return units + (_hour_units(admission, hourly, at) if hourly else [])


def accrue_admission(
    admission: Admission,
    *,
    now: datetime | None = None,
    actor=None,
    request: HttpRequest | None = None,
) -> int:
    """Post the admission's ward charges earned by `now` that are not posted yet; returns how many
    lines were posted. `request` is the one of the admission, transfer or discharge that caught
    the bill up (none for the periodic task), so its audit rows carry the IP and user agent."""
    posted_keys = set(
        Charge.objects.filter(admission=admission, accrual_key__isnull=False).values_list(
            "accrual_key", flat=True
        )
    )
    posted = 0
    for unit in stay_charge_units(admission, at=now):
        if unit.key in posted_keys:
            continue
        if billing.charge_post(
            actor=actor,
            patient=admission.patient_id,
            admission=admission,
            code=unit.ward.charge_code,
            description=unit.description,
            service_from=unit.service_from,
            service_to=unit.service_to,
            source=f"wards.Admission:{admission.pk}",
            accrual_key=unit.key,
            request=request,
        ):
            posted += 1
    return posted


def unposted_codes(admission: Admission) -> list[str]:
    """The charge item codes of the ward units the admission has earned by now and the accrual
    has not posted yet, one per unit (billing.unposted prices them for the discharge's balance).
    Two queries: the posted keys and the stays with their wards."""
    posted_keys = set(
        Charge.objects.filter(admission=admission, accrual_key__isnull=False).values_list(
            "accrual_key", flat=True
        )
    )
    return [
        unit.ward.charge_code
        for unit in stay_charge_units(admission)
        if unit.key not in posted_keys and unit.ward.charge_code
    ]


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
