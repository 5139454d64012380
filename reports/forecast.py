"""The bed-occupancy forecast: for each ward type, the beds expected to be occupied at each of
the next 14 midnights, from the stays' history, with an 80 % interval, the ward type's beds, and
an honest backtest against a seasonal-naive baseline.

- **Occupied beds of a day** (the midnight census, the usual inpatient census): the stays
  (wards.BedStay) started on or before that hospital day and not ended on or before it, i.e.
  still open as the day closes. Today's figure is the stays open now: the forecast starts from
  the current inpatients. HMS has no record of planned admissions (docs/DECISIONS.md), so none
  is added.
- **Model**: Holt-Winters exponential smoothing (statsmodels' ExponentialSmoothing) with an
  additive damped trend and additive weekly seasonality (7 days); Hyndman & Athanasopoulos,
  *Forecasting: Principles and Practice* (3rd ed.), §8.3.
- **Baseline**: seasonal naive, each day the same weekday of the last observed week (FPP3 §5.2).
- **Backtest** (rolling origin, FPP3 §5.10): over the last 90 complete days (or as many as the
  history allows after 28 days of training), from every 3rd day as origin, both forecast the
  next 1..14 days from the days before it; the mean absolute error over every (origin, day
  ahead) pair whose day is known. The model's smoothing parameters are estimated once, on the
  days before the first origin, and kept fixed while the origin rolls (no look-ahead; one
  optimisation instead of thirty per ward type).
- **80 % interval**: empirical, from the backtest's errors of the method shown at the same
  number of days ahead: the forecast plus their 10th and 90th percentiles (nearest rank), not
  below zero (FPP3 §5.5 "prediction intervals from bootstrapped residuals", here the
  out-of-sample errors themselves).
- The model is shown when its MAE is at most the baseline's; otherwise the baseline's forecast
  is shown, and the panel says so.
- Fewer than 42 complete days (28 to train, 14 to test) of a ward type's history: too little
  history; the panel says so instead of a forecast.

Four queries whatever the length of the history or the number of stays: the first stay and the
census before the history's window per ward type, the stays started and those ended per ward
type and day, and the beds per ward type.
"""

import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from hms import params
from reports.charts import Band, Chart, Series
from reports.period import local_midnight
from wards.models import Bed, BedStay, WardKind

HORIZON = 14  # days ahead
SEASON = 7  # a week
BACKTEST_DAYS = 90
ORIGIN_STEP = 3  # coprime with 7: the origins fall on every weekday
MIN_TRAINING = 28  # four weeks
MIN_HISTORY = MIN_TRAINING + HORIZON  # complete days
HISTORY_DAYS = 365  # how far back the census is read
LOW_QUANTILE, HIGH_QUANTILE = 10, 90  # an 80 % interval
MODEL, BASELINE = "model", "baseline"


@dataclass(frozen=True)
class Backtest:
    """Mean absolute errors (beds) of the model and of the seasonal-naive baseline over the
    same `compared` (origin, day ahead) pairs, and each one's signed errors (actual − forecast)
    by days ahead (index 0: tomorrow)."""

    model_mae: float
    baseline_mae: float
    compared: int
    origins: int
    model_errors: list[list[float]]
    baseline_errors: list[list[float]]
    model_params: dict

    @property
    def method(self) -> str:
        """MODEL when it beats or ties the baseline, else BASELINE."""
        return MODEL if self.model_mae <= self.baseline_mae else BASELINE


def _nearest_rank(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    return ordered[max(1, -(-percentile * len(ordered) // 100)) - 1]


def seasonal_naive(history: list[float], horizon: int = HORIZON) -> list[float]:
    """The baseline: for each of the next `horizon` days, the same weekday's figure in the last
    observed week (needs at least 7 days of history)."""
    last = len(history) - 1
    return [
        float(history[last + h - SEASON * ((h - 1) // SEASON + 1)]) for h in range(1, horizon + 1)
    ]


def _holt_winters(history: list[float], fixed: dict | None = None):
    """statsmodels' Holt-Winters fitted to `history` (optimised, or with the `fixed` smoothing
    parameters of an earlier fit). Imported here: statsmodels is heavy and every process of the
    app loads this module."""
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(
        np.asarray(history, dtype=float),
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=SEASON,
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        # Convergence chatter on short or flat histories; the backtest judges the result.
        warnings.simplefilter("ignore")
        if not fixed:
            return model.fit()
        return model.fit(**fixed, optimized=False)


def model_forecast(history: list[float], fixed: dict | None = None) -> tuple[list[float], dict]:
    """Holt-Winters' forecast of the next HORIZON days from `history` (beds per day, oldest
    first, at least 14 days), and the smoothing parameters it used. A flat history forecasts
    itself and estimates no parameters ({}); with `fixed` empty or None they are estimated."""
    if len(set(history)) == 1:
        return [float(history[-1])] * HORIZON, fixed or {}
    fit = _holt_winters(history, fixed)
    chosen = {
        name: float(fit.params[name])
        for name in ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")
    }
    return [float(v) for v in fit.forecast(HORIZON)], chosen


def backtest(history: list[float]) -> Backtest:
    """Rolling-origin backtest of `history` (complete days' census, oldest first, at least
    MIN_HISTORY days): see the module's docstring. Raises ValueError on a shorter history."""
    days = len(history)
    if days < MIN_HISTORY:
        raise ValueError(f"a backtest needs {MIN_HISTORY} days of history, not {days}")
    first_origin = max(MIN_TRAINING, days - BACKTEST_DAYS)
    # A flat first window (a ward type that never changed) estimates nothing: the parameters
    # then come from the first origin whose days before it moved, still with no look-ahead.
    _forecast, fixed = model_forecast(history[:first_origin])
    model_errors: list[list[float]] = [[] for _ in range(HORIZON)]
    baseline_errors: list[list[float]] = [[] for _ in range(HORIZON)]
    origins = list(range(first_origin, days, ORIGIN_STEP))
    for origin in origins:
        train = history[:origin]
        model, chosen = model_forecast(train, fixed)
        fixed = fixed or chosen
        naive = seasonal_naive(train)
        for ahead in range(min(HORIZON, days - origin)):
            actual = history[origin + ahead]
            model_errors[ahead].append(actual - model[ahead])
            baseline_errors[ahead].append(actual - naive[ahead])
    compared = sum(len(errors) for errors in model_errors)

    def mae(errors: list[list[float]]) -> float:
        return sum(abs(e) for by_day in errors for e in by_day) / compared

    return Backtest(
        mae(model_errors),
        mae(baseline_errors),
        compared,
        len(origins),
        model_errors,
        baseline_errors,
        fixed,
    )


@dataclass(frozen=True)
class WardKindForecast:
    """One ward type's forecast. `days` are the next HORIZON days; `expected`, `low` and `high`
    (beds, the 80 % interval) line up with them; empty with too little history."""

    kind: str
    label: str
    capacity: int
    occupied_now: int
    history_days: int
    days: list[date]
    expected: list[float]
    low: list[float]
    high: list[float]
    method: str | None
    backtest: Backtest | None

    @property
    def too_little_history(self) -> bool:
        return self.backtest is None

    @property
    def first_day_over_capacity(self) -> date | None:
        """The first day whose interval's top is above the ward type's beds, if any."""
        return next(
            (d for d, h in zip(self.days, self.high, strict=True) if h > self.capacity), None
        )

    @property
    def warning(self) -> str:
        """A plain sentence when the interval crosses the beds, else ""."""
        day = self.first_day_over_capacity
        if day is None:
            return ""
        beds = f"{self.capacity} bed{'s' if self.capacity != 1 else ''}"
        return (
            f"{self.label}: from {day:%a %d %b} the beds needed may exceed its {beds} "
            "(the top of the 80 % interval is above them); plan discharges or overflow beds."
        )

    def chart(self) -> Chart:
        notes = [] if self.method == MODEL else ["Seasonal-naive baseline shown (see below)."]
        return Chart(
            f"{self.label}: beds occupied at midnight, next {HORIZON} days",
            "line",
            [f"{d:%a}"[:2] + f" {d.day}" for d in self.days],
            [Series("Expected", [round(v, 1) for v in self.expected])],
            "beds",
            limit=(f"{self.capacity} beds", self.capacity),
            band=Band(
                "80 % interval", [round(v, 1) for v in self.low], [round(v, 1) for v in self.high]
            ),
            notes=notes,
        )


@dataclass(frozen=True)
class OccupancyForecast:
    """The forecast made on `today` (at `made_at`) for each ward type that has beds or a
    history."""

    today: date
    wards: list[WardKindForecast]
    made_at: datetime | None = None

    @property
    def warnings(self) -> list[str]:
        return [w.warning for w in self.wards if w.warning]

    def charts(self) -> list[Chart]:
        return [w.chart() for w in self.wards if not w.too_little_history]


def daily_census(first: date, today: date) -> tuple[dict[str, list[int]], dict[str, date]]:
    """Beds occupied at the close of each hospital day from `first` to `today` (today: now),
    per ward type (WardKind value -> counts, oldest first), and each ward type's first stay's
    day. Three queries."""
    zone = params.hospital_zone()
    opens = local_midnight(first)
    before = (
        BedStay.objects.values("ward__kind")
        .annotate(
            first_at=Min("started_at"),
            open=Count(
                "pk",
                filter=Q(started_at__lt=opens)
                & (Q(ended_at__isnull=True) | Q(ended_at__gte=opens)),
            ),
        )
        .order_by()
    )
    started = (
        BedStay.objects.filter(started_at__gte=opens)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("ward__kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ended = (
        BedStay.objects.filter(ended_at__gte=opens)
        .annotate(day=TruncDate("ended_at", tzinfo=zone))
        .values("ward__kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    length = (today - first).days + 1
    change = {kind: [0] * length for kind in WardKind.values}
    census: dict[str, list[int]] = {}
    first_days: dict[str, date] = {}
    for row in before:
        first_days[row["ward__kind"]] = timezone.localtime(row["first_at"], zone).date()
        change[row["ward__kind"]][0] += row["open"]
    for rows, sign in ((started, 1), (ended, -1)):
        for row in rows:
            index = (row["day"] - first).days
            if 0 <= index < length:
                change[row["ward__kind"]][index] += sign * row["n"]
    for kind, steps in change.items():
        running, counts = 0, []
        for step in steps:
            running += step
            counts.append(running)
        census[kind] = counts
    return census, first_days


def _interval(expected: list[float], errors: list[list[float]]) -> tuple[list[float], list[float]]:
    low = [
        max(0.0, e + _nearest_rank(errs, LOW_QUANTILE))
        for e, errs in zip(expected, errors, strict=True)
    ]
    high = [
        max(0.0, e + _nearest_rank(errs, HIGH_QUANTILE))
        for e, errs in zip(expected, errors, strict=True)
    ]
    return low, high


def ward_kind_forecast(
    kind: str, capacity: int, history: list[int], today: date
) -> WardKindForecast:
    """One ward type's forecast from its census `history` (complete days, oldest first, then
    today's open stays as the last figure): see the module's docstring."""
    label = WardKind(kind).label
    complete = [float(v) for v in history[:-1]]
    occupied_now = history[-1] if history else 0
    days = [today + timedelta(days=n) for n in range(1, HORIZON + 1)]
    if len(complete) < MIN_HISTORY:
        return WardKindForecast(
            kind, label, capacity, occupied_now, len(complete), [], [], [], [], None, None
        )
    check = backtest(complete)
    series = [float(v) for v in history]
    if check.method == MODEL:
        expected, _params = model_forecast(series)
        errors = check.model_errors
    else:
        expected, errors = seasonal_naive(series), check.baseline_errors
    expected = [max(0.0, e) for e in expected]
    low, high = _interval(expected, errors)
    return WardKindForecast(
        kind,
        label,
        capacity,
        occupied_now,
        len(complete),
        days,
        expected,
        low,
        high,
        check.method,
        check,
    )


def occupancy_forecast(today: date | None = None) -> OccupancyForecast:
    """The next HORIZON days' beds expected to be occupied per ward type, looking ahead from
    `today` (the hospital's today by default; independent of any dashboard period). Four
    queries; statsmodels' fits are in memory. Ward types with no bed and no stay are left out."""
    today = today or timezone.localdate()
    first = today - timedelta(days=HISTORY_DAYS)
    census, first_days = daily_census(first, today)
    beds = dict(
        Bed.objects.filter(ward__active=True)
        .values_list("ward__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    wards = []
    for kind in WardKind.values:
        if not beds.get(kind) and kind not in first_days:
            continue
        start = max(first, first_days.get(kind, today))
        history = census[kind][(start - first).days :]
        wards.append(ward_kind_forecast(kind, beds.get(kind, 0), history, today))
    return OccupancyForecast(today, wards, timezone.now())


FORECAST_CACHE_SECONDS = 30 * 60


def _cache_key(today: date) -> str:
    return f"reports:occupancy-forecast:{today.isoformat()}"


def forecast_refresh(today: date | None = None) -> OccupancyForecast:
    """Make today's forecast and keep it in the cache (FORECAST_CACHE_SECONDS) for the
    dashboard: the fits take seconds on a two-year history (docs/BENCHMARKS.md), too long for a
    page. reports.tasks refreshes it every 15 minutes."""
    today = today or timezone.localdate()
    made = occupancy_forecast(today)
    cache.set(_cache_key(today), made, FORECAST_CACHE_SECONDS)
    return made


def latest_forecast(today: date | None = None) -> OccupancyForecast:
    """Today's forecast as last made (at most FORECAST_CACHE_SECONDS old, refreshed every 15
    minutes), made now if none is kept (a new day, a restarted cache): no query when kept."""
    today = today or timezone.localdate()
    made = cache.get(_cache_key(today))
    return made if made is not None else forecast_refresh(today)
