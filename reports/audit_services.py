"""The audit viewer's one action: exporting a filtered view of the log is itself audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from hms import audit, rbac


@transaction.atomic
def audit_log_export(*, actor, filters: dict, sort: str, request: HttpRequest | None) -> None:
    """Record that `actor` exported the audit log with `filters` (AuditFilterForm's
    cleaned_data, dates as ISO text) and `sort` (reports.audit_selectors.sort_param), as the
    entry "audit.export" (ONC 170.315(d)(3): the log's own use is logged). Raises
    PermissionDenied for a role without audit.view."""
    if not rbac.allows(actor, "audit.view"):
        raise PermissionDenied("Your role may not use audit.view.")
    used = {name: value for name, value in filters.items() if value not in (None, "")}
    audit.record(
        actor=actor,
        action="audit.export",
        after={"filters": used, "sort": sort},
        request=request,
        object_type="hms.AuditEntry",
    )
