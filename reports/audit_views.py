"""The audit log viewer (admin): filter and sort the log, a patient's access history, a CSV export
of what is filtered, and the check that the hash chain is intact and agrees with the last signed
checkpoint (ONC 170.315(d)(2)/(d)(3))."""

import csv

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinical.models import Patient
from hms import audit, backups, paging, params, rbac
from hms.models import AuditEntry
from reports import audit_selectors as selectors
from reports import audit_services
from reports.forms import AuditFilterForm

ENTRIES_PER_PAGE = 50
# The columns a patient's access history shows (no patient column: it is theirs).
PATIENT_COLUMNS = [c for c in selectors.COLUMNS if c.key not in ("id", "patient")]


def _filters(form: AuditFilterForm) -> dict:
    """The filters that were typed well; a refused one is left out (and shown beside its box)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def filters_in_words(form: AuditFilterForm) -> list[tuple[str, str]]:
    """(label, value as typed) of each filter applied (typed and taken), for the printout:
    a sheet of the log says which entries it holds."""
    if not form.is_bound:
        return []
    form.is_valid()
    applied = []
    for name, field in form.fields.items():
        typed = str(form.data.get(name, "")).strip()
        if typed and name in form.cleaned_data and name not in form.errors:
            shown = dict(field.choices).get(typed, typed) if hasattr(field, "choices") else typed
            applied.append((str(field.label or name.replace("_", " ").capitalize()), shown))
    return applied


def headings(request: HttpRequest, sort: str, columns: list[selectors.Column]) -> list[dict]:
    """Each column's header link: the same filters, the page reset, the sort on that column
    (the current one turned round); `state` is the column's aria-sort ("" when not sorted)."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    query = request.GET.copy()
    query.pop("page", None)
    links = []
    for column in columns:
        state = ("descending" if descending else "ascending") if column.key == current else ""
        query["sort"] = f"-{column.key}" if state == "ascending" else column.key
        links.append({"column": column, "query": query.urlencode(), "state": state})
    return links


def _last_checkpoint() -> tuple[audit.Checkpoint | None, str]:
    try:
        return audit.checkpoint_last(), ""
    except audit.CheckpointError as error:
        return None, str(error)


@rbac.capability_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    sort = selectors.sort_param(request.GET.get("sort"))
    found = selectors.entries(_filters(form), sort)
    page = paging.page_of(request, found, ENTRIES_PER_PAGE, capped=True)
    template = "reports/audit_list.html"
    if request.htmx and request.htmx.target == "audit-rows":
        template += "#rows"
    # New entries arrive live on the unfiltered first page (the one a supervisor keeps open).
    filtered = any(form.data.get(name) for name in form.fields) if form.is_bound else False
    live = not filtered and page.number == 1 and sort == selectors.DEFAULT_SORT
    checkpoint, checkpoint_problem = _last_checkpoint()
    context = {
        "form": form,
        "sort": sort,
        "default_sort": selectors.DEFAULT_SORT,
        "page": page,
        "live": live,
        "headings": headings(request, sort, selectors.COLUMNS),
        "export_query": request.GET.urlencode(),
        "filters_in_words": filters_in_words(form),
        "checkpoint": checkpoint,
        "checkpoint_problem": checkpoint_problem,
        "backup": backups.backup_status(),
    }
    return render(request, template, context)


@rbac.capability_required("audit.view")
def audit_patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    found_id = params.uuid_param(patient_id)
    if found_id is None:
        raise Http404("No such patient.")
    patient = Patient.objects.filter(pk=found_id).first()
    sort = selectors.sort_param(request.GET.get("sort"))
    entries = selectors.entries({"patient": str(found_id)}, sort)
    context = {
        "patient": patient,
        "patient_id": str(found_id),
        "page": paging.page_of(request, entries, ENTRIES_PER_PAGE),
        "headings": headings(request, sort, PATIENT_COLUMNS),
    }
    return render(request, "reports/audit_patient.html", context)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streamed answer."""

    def write(self, value: str) -> str:
        return value


@rbac.capability_required("audit.view")
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form)
    if form.is_bound and form.errors:
        return redirect(f"{reverse('audit_list')}?{request.GET.urlencode()}")
    sort = selectors.sort_param(request.GET.get("sort"))
    audit_services.audit_log_export(actor=request.user, filters=filters, sort=sort, request=request)
    writer = csv.writer(_Echo())
    rows = selectors.csv_rows(selectors.entries(filters, sort))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-log-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@rbac.capability_required("audit.view", post_only=True)
@require_http_methods(["GET", "POST"])
def audit_verify(request: HttpRequest) -> HttpResponse:
    """POST: walk the whole chain and say whether it is intact (reads only: sent twice, it
    answers twice the same). GET (a bookmark, a reload without the form): the page with its
    button and the last checkpoint, the chain not walked."""
    if request.method != "POST":
        checkpoint, checkpoint_problem = _last_checkpoint()
        context = {"report": None, "checkpoint": checkpoint, "problem": checkpoint_problem}
        return render(request, "reports/audit_verify.html", context)
    report = audit.verify()
    broken = None
    if report.broken_id is not None:
        broken = AuditEntry.objects.filter(pk=report.broken_id).first()
    context = {"report": report, "broken": broken, "checkpoint": report.checkpoint}
    return render(request, "reports/audit_verify.html", context)
