"""The analytics dashboard's one action: exporting its figures, recorded in the audit log
(who took which figures for which period, in which format)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from hms import audit
from reports import selectors
from reports.period import ReportPeriod

EXPORT_FORMATS = ("csv", "xlsx")


@transaction.atomic
def analytics_export(
    *,
    actor,
    period: ReportPeriod,
    file_format: str,
    metric_keys: list[str],
    request: HttpRequest | None = None,
) -> None:
    """Record that `actor` exported the metrics `metric_keys` over `period` as `file_format`
    ("csv" or "xlsx"): audit action "analytics.export", the period's days, label and the format
    in `after`. Raises PermissionDenied when the actor may not see one of the metrics (the
    accountant asking for a non-finance one) and ValueError for an unknown format."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"Unknown export format {file_format!r}.")
    visible = {metric.key for metric in selectors.metrics_for(actor)}
    if not set(metric_keys) <= visible:
        raise PermissionDenied("Your role may not export these figures.")
    audit.record(
        actor=actor,
        action="analytics.export",
        object_type="reports.Analytics",
        object_id=",".join(metric_keys)[:64],
        after={
            "period": period.label,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "format": file_format,
            "metrics": metric_keys,
        },
        request=request,
    )
