"""The dashboard's bed-occupancy forecast panel: reports.forecast's next 14 days per ward type.
It looks ahead from today whatever period the dashboard shows."""

from dataclasses import dataclass

from reports.forecast import OccupancyForecast, latest_forecast
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod


@dataclass(frozen=True)
class ForecastResult(OccupancyForecast):
    """reports.forecast's OccupancyForecast with its figures as the exports' tables."""

    def tables(self) -> list[Table]:
        rows = [
            (w.label, day, round(e, 1), round(lo, 1), round(hi, 1), w.capacity, w.method)
            for w in self.wards
            for day, e, lo, hi in zip(w.days, w.expected, w.low, w.high, strict=True)
        ]
        checks = [
            (
                w.label,
                w.history_days,
                None if w.backtest is None else round(w.backtest.model_mae, 2),
                None if w.backtest is None else round(w.backtest.baseline_mae, 2),
                None if w.backtest is None else w.backtest.compared,
                w.method or "too little history",
            )
            for w in self.wards
        ]
        return [
            Table(
                "bed-forecast",
                "Beds expected to be occupied",
                ("ward type", "day", "expected", "80 % low", "80 % high", "beds", "method"),
                rows,
            ),
            Table(
                "bed-forecast-backtest",
                "Bed forecast backtest (mean absolute error, beds)",
                (
                    "ward type",
                    "days of history",
                    "model MAE",
                    "baseline MAE",
                    "forecasts compared",
                    "shown",
                ),
                checks,
            ),
        ]


def compute(period: ReportPeriod) -> ForecastResult:
    """Today's forecast as last made (the `period` is not used: a forecast looks ahead from
    today): kept in the cache and refreshed every 15 minutes (reports.tasks), made now when none
    is kept (four queries and a few Holt-Winters fits per ward type: seconds)."""
    made = latest_forecast()
    return ForecastResult(made.today, made.wards, made.made_at)


register(
    Metric(
        key="forecast",
        title="Bed occupancy forecast",
        definition=(
            "Beds expected to be occupied at midnight in each ward type over the next 14 days, "
            "with an 80 % interval, from the stays' history (Holt-Winters with weekly "
            "seasonality, checked against last week's figures); it always looks ahead from today."
        ),
        finance=False,
        compute=compute,
    )
)
