"""The analytics dashboard (admin, the accountant's finance part) and its exports. The audit log
viewer's views live in reports/audit_views.py."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from hms import params, rbac
from reports import exports, selectors, services
from reports.metrics import METRICS, metric
from reports.period import PRESETS, period_from_query

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
    A key that is no metric's is 404; a metric the user may not see is 403 (the accountant's
    non-finance ones); no key at all, or a period the dashboard refuses, goes back to the
    dashboard (which says why beside the period's boxes)."""
    asked = request.GET.get("metric")
    found = metric(params.choice_param(asked, [m.key for m in METRICS]))
    if found is None and asked:
        raise Http404("No metric of the dashboard has that key.")
    period = period_from_query(request.GET)
    if found is None or not period.taken_as_asked:
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
    if not period.taken_as_asked:
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
