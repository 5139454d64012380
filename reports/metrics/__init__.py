"""The analytics dashboard's metrics: each is one module of this package holding one selector
(`compute(period) -> a result`), registered below with its title and one-line definition.

A result is a frozen dataclass of the metric's figures that also offers
- `tables() -> list[Table]`: the same figures as rows, for the CSV and XLSX exports (one sheet
  per table), and
- `charts() -> list[Chart]`: what the panel draws (reports.charts renders them as SVG).
Its panel is templates/reports/panels/<key>.html, given `metric`, `result` and `period`.

Each selector runs a constant number of aggregate queries whatever the period or the size of
the hospital (tests/reports/test_dashboard_queries.py holds them to it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from reports.charts import Chart
from reports.period import ReportPeriod


@dataclass(frozen=True)
class Table:
    """A metric's figures as rows. `name` names the CSV file and the XLSX sheet (letters,
    digits and dashes, at most 31 characters: Excel's limit for a sheet)."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple]


class MetricResult(Protocol):
    def tables(self) -> list[Table]: ...

    def charts(self) -> list[Chart]: ...


@dataclass(frozen=True)
class Metric:
    """One panel of the dashboard. `finance` marks the accountant's part (rbac's FINANCE scope
    of "analytics.view"); `definition` is the one line shown under the title."""

    key: str
    title: str
    definition: str
    finance: bool
    compute: Callable[[ReportPeriod], Any]

    @property
    def template(self) -> str:
        return f"reports/panels/{self.key}.html"


# Filled by the metric modules' registration below, in the dashboard's order.
METRICS: list[Metric] = []


def register(metric: Metric) -> Metric:
    """Add a metric to the dashboard (called once per module, at import)."""
    if any(m.key == metric.key for m in METRICS):
        raise ValueError(f"metric {metric.key!r} is registered twice")
    METRICS.append(metric)
    return metric


def metric(key: str) -> Metric | None:
    return next((m for m in METRICS if m.key == key), None)


# The metric modules, in the dashboard's order; each registers itself when imported
# (ReportsConfig.ready imports them, so the registry is full before the first request).
METRIC_MODULES = [
    "reports.metrics.today",
    "reports.metrics.revenue",
    "reports.metrics.receivables",
    "reports.metrics.occupancy",
    "reports.metrics.length_of_stay",
    "reports.metrics.downtime",
    "reports.metrics.turnaround",
    "reports.metrics.forecast",
]
