"""The audit log viewer (admin): filter the log and check that its hash chain is intact; the
analytics dashboard (admin, the accountant's finance part) and its exports."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hms import audit, params, rbac
from hms.models import AuditEntry
from reports import exports, selectors, services
from reports.forms import AuditFilterForm
from reports.metrics import METRICS, metric
from reports.period import PRESETS, period_from_query

ENTRIES_PER_PAGE = 50


@rbac.capability_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.order_by("-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"])
        if data["actor"]:
            entries = entries.filter(actor_username__icontains=data["actor"])
        if data["patient_id"]:
            entries = entries.filter(patient_id=data["patient_id"])
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
        if data["object_type"] and data["object_id"]:
            entries = entries.filter(object_type=data["object_type"], object_id=data["object_id"])
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    template = "reports/audit_list.html"
    if request.htmx and request.htmx.target == "audit-rows":
        template += "#rows"
    # New entries arrive live on the unfiltered first page (the one a supervisor keeps open).
    live = not any(form.data.get(name) for name in form.fields) and page.number == 1
    return render(request, template, {"form": form, "page": page, "live": live})


@rbac.capability_required("audit.view", post_only=True)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    report = audit.verify()
    if report.ok:
        messages.success(request, f"Audit chain intact: {report.checked} entries checked.")
    else:
        messages.error(
            request,
            f"Audit chain BROKEN at entry #{report.broken_id}: {report.reason}. "
            f"{report.checked} entries before it are intact.",
        )
    return redirect("audit_list")


# --- the analytics dashboard (issue 20) -------------------------------------------------------

ANALYTICS = "analytics.view"


def _period_query(period) -> str:
    return urlencode(period.query())


@rbac.capability_required(ANALYTICS)
def analytics_dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard: the period picker and a panel per metric the user may see. The picker's
    htmx requests get the body alone (heading, picker, panels), so the page is not reloaded."""
    period = period_from_query(request.GET)
    context = {
        "period": period,
        "presets": [(key, label) for key, label in PRESETS.items() if key != "custom"],
        "panels": selectors.panels(request.user, period),
        "period_query": _period_query(period),
    }
    template = "reports/dashboard.html"
    if request.htmx and request.htmx.target == "analytics-body":
        template += "#body"
    return render(request, template, context)


def _back_to_dashboard(request: HttpRequest) -> HttpResponse:
    """A refused period goes back to the dashboard, which says why beside the box."""
    query = {name: request.GET.get(name, "") for name in ("period", "from", "to")}
    return redirect(f"{reverse('analytics_dashboard')}?{urlencode(query)}")


@rbac.capability_required(ANALYTICS)
def analytics_csv(request: HttpRequest) -> HttpResponse:
    """One metric's tables over the period as CSV (`?metric=<key>` and the period's query).
    A metric the user may not see is 403 (the accountant's non-finance ones)."""
    period = period_from_query(request.GET)
    found = metric(params.choice_param(request.GET.get("metric"), [m.key for m in METRICS]))
    if found is None or period.refused and not period.swapped:
        return _back_to_dashboard(request)
    services.analytics_export(
        actor=request.user,
        period=period,
        file_format="csv",
        metric_keys=[found.key],
        request=request,
    )
    panel = selectors.panels(request.user, period, keys=[found.key])[0]
    response = HttpResponse(exports.metric_csv(panel, period), content_type=exports.CSV_TYPE)
    name = exports.file_stem(period, found.key)
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@rbac.capability_required(ANALYTICS)
def analytics_xlsx(request: HttpRequest) -> HttpResponse:
    """Every table of the dashboard the user may see, over the period, as one XLSX workbook."""
    period = period_from_query(request.GET)
    if period.refused and not period.swapped:
        return _back_to_dashboard(request)
    panels = selectors.panels(request.user, period)
    services.analytics_export(
        actor=request.user,
        period=period,
        file_format="xlsx",
        metric_keys=[panel.metric.key for panel in panels],
        request=request,
    )
    response = HttpResponse(exports.workbook(panels, period), content_type=exports.XLSX_TYPE)
    name = exports.file_stem(period, "dashboard")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
