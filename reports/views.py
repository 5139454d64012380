"""The audit log viewer (admin): filter the log and check that its hash chain is intact."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hms import audit, rbac
from hms.models import AuditEntry
from reports.forms import AuditFilterForm

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
