"""The analytics dashboard, read-only: which metrics a user may see and their figures for a
period. The accountant holds the finance part of "analytics.view" (hms.rbac): only the metrics
marked `finance`; the administrator sees them all."""

from dataclasses import dataclass
from typing import Any

from hms import rbac
from reports.metrics import METRICS, Metric
from reports.period import ReportPeriod

ANALYTICS = "analytics.view"


@dataclass(frozen=True)
class Panel:
    """One metric of the dashboard with its figures for the period (`result`: the metric's
    result, offering tables() and charts())."""

    metric: Metric
    result: Any

    @property
    def tables(self) -> list:
        return self.result.tables()

    @property
    def charts(self) -> list:
        return self.result.charts()


def metrics_for(user) -> list[Metric]:
    """The registered metrics `user` may see, in the dashboard's order: every one for the whole
    of "analytics.view", the `finance` ones for its finance part, none without it."""
    if not rbac.allows(user, ANALYTICS):
        return []
    whole = rbac.allows(user, ANALYTICS, scopes={rbac.ALL})
    return [metric for metric in METRICS if whole or metric.finance]


def panels(user, period: ReportPeriod, *, keys: list[str] | None = None) -> list[Panel]:
    """Each metric `user` may see (only those named in `keys` when given) computed over
    `period`. Each metric runs a constant number of queries, so the dashboard does too."""
    return [
        Panel(metric, metric.compute(period))
        for metric in metrics_for(user)
        if keys is None or metric.key in keys
    ]
