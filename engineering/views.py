"""Screens of engineering: the asset register (engineers, admin), a machine's page and its QR
label (every member of staff may look a machine up and report a fault from it), status changes,
the engineers' queue and a work order's page (log work, escalate, resolve, complete a preventive
maintenance's checklist), a machine's maintenance plan, the downtime overview and its CSV."""

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engineering import downtime, selectors, services
from engineering.forms import (
    EscalateForm,
    FaultRequestForm,
    MachineForm,
    MachineRegisterForm,
    PeriodForm,
    PmCompleteForm,
    PmPlanForm,
    ResolveForm,
    StatusChangeForm,
    WorkLogForm,
)
from engineering.models import FaultRequest, Machine, WorkOrder
from hms import params, rbac
from hms.concurrent_edits import merged_note
from hms.refusals import refuse_beside, refuse_into


def _submit(
    request: HttpRequest, form, action, *, done, then: str, **kwargs
) -> HttpResponse | None:
    """Carry out a posted form's action: the redirect to `then` with `done` (a sentence, or a
    function of the result) said, or None when the form is refused (its errors beside its
    fields, a refusal about the record above the page) and the page is shown again."""
    if not form.is_valid():
        return None
    try:
        result = action(actor=request.user, request=request, **kwargs, **form.answers())
    except services.EngineeringError as refusal:
        refuse_beside(request, form, refusal)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return redirect(then)


def _machine(pk: int) -> Machine:
    machine = selectors.machine_with_department(pk)
    if machine is None:
        raise Http404("No such machine.")
    return machine


# --- the asset register ----------------------------------------------------------------------


@rbac.capability_required("engineering.machines")
def machine_list(request: HttpRequest) -> HttpResponse:
    """The register: searched by tag, name or serial number, filtered by status, type, department."""
    context = selectors.register_page(request)
    template = "engineering/machine_list.html"
    if request.htmx and request.htmx.target == "machines":
        template += "#machines"
    return render(request, template, context)


@rbac.capability_required("engineering.machines")
def machine_new(request: HttpRequest) -> HttpResponse:
    form = MachineRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            machine = services.machine_register(
                actor=request.user, request=request, **form.answers()
            )
        except services.EngineeringError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, f"{machine} is in the register. Print its label.")
            return redirect(machine.get_absolute_url())
    return render(request, "engineering/machine_form.html", {"form": form, "machine": None})


@rbac.capability_required("engineering.machines")
def machine_edit(request: HttpRequest, pk: int) -> HttpResponse:
    machine = _machine(pk)
    form = MachineForm(request.POST or None, instance=Machine.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.machine_edit(
                actor=request.user, machine=machine, request=request, **form.answers()
            )
        except services.EngineeringError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Saved." + merged_note(form))
            return redirect(machine.get_absolute_url())
    return render(request, "engineering/machine_form.html", {"form": form, "machine": machine})


# --- a machine's page, for every member of staff ---------------------------------------------


@rbac.capability_required("engineering.request")
def machine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _machine_page(request, _machine(pk))


def _machine_page(request: HttpRequest, machine: Machine, **forms) -> HttpResponse:
    """A machine's page; a refused form (`status_form=...`) shows its messages beside its fields
    and keeps what was typed."""
    context = selectors.machine_page(request, machine)
    context["fault_form"] = FaultRequestForm()
    if context["can_manage"]:  # the status form is shown to those who may change it only
        context["status_form"] = StatusChangeForm()
    template = "engineering/machine_detail.html"
    if request.htmx and request.htmx.target == f"machine-{machine.pk}":
        template += "#machine"
    return render(request, template, context | forms)


@rbac.capability_required("engineering.request")
def machine_find(request: HttpRequest) -> HttpResponse:
    """Look a machine up by its asset tag (?q=): straight to its page when one has that tag, else
    the machines whose tag, name or serial number holds what was typed."""
    tag = params.search_text(request.GET.get("q"), limit=30)
    machine = selectors.machine_by_tag(tag)
    if machine is not None:
        return redirect(machine.get_absolute_url())
    context = {"q": tag, "matches": selectors.machines_like(tag)}
    return render(request, "engineering/machine_find.html", context)


@rbac.capability_required("engineering.request")
def machine_by_tag(request: HttpRequest, tag: str) -> HttpResponse:
    """Where a machine's QR label leads: its page."""
    machine = selectors.machine_by_tag(tag)
    if machine is None:
        raise Http404("No machine has this tag.")
    return redirect(machine.get_absolute_url())


@rbac.capability_required("engineering.machines")
def machine_label(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable label: the asset tag and a QR code that opens the machine's page."""
    machine = _machine(pk)
    url = request.build_absolute_uri(reverse("machine_by_tag", args=[machine.asset_tag]))
    context = {"machine": machine, "qr_svg": selectors.label_svg(url), "url": url}
    return render(request, "engineering/machine_label.html", context)


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def machine_status(request: HttpRequest, pk: int) -> HttpResponse:
    machine = _machine(pk)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        try:
            services.machine_status_change(
                actor=request.user, machine=machine, request=request, **form.answers()
            )
        except services.EngineeringError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, "Status changed.")
            return redirect(machine.get_absolute_url())
    return _machine_page(request, _machine(pk), status_form=form)


# --- fault requests (every member of staff) and the engineers' work -------------------------


@rbac.capability_required("engineering.request", post_only=True)
@require_POST
def fault_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a fault from the machine's page (or the page its QR label opens)."""
    machine = _machine(pk)
    form = FaultRequestForm(request.POST)
    answered = _submit(
        request,
        form,
        services.fault_request_raise,
        done=lambda fault: f"{fault.number} sent to engineering: you will hear as it is handled.",
        then=machine.get_absolute_url(),
        machine=machine,
    )
    return answered or _machine_page(request, _machine(pk), fault_form=form)


@rbac.capability_required("engineering.machines")
def work_queue(request: HttpRequest) -> HttpResponse:
    """Open fault requests, the most pressing first, and the engineer's own open work orders."""
    context = selectors.queue_page(request)
    template = "engineering/work_queue.html"
    if request.htmx and request.htmx.target == "queue":
        template += "#queue"
    return render(request, template, context)


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def request_take(request: HttpRequest, pk: int) -> HttpResponse:
    fault = get_object_or_404(FaultRequest, pk=pk)
    try:
        work_order = services.fault_request_take(
            actor=request.user, fault_request=fault, request=request
        )
    except services.EngineeringError as refusal:
        messages.error(request, str(refusal))
        return redirect("work_queue")
    messages.success(request, f"{fault.number} is yours: {work_order.number}.")
    return redirect(work_order.get_absolute_url())


def _work_order(pk: int) -> WorkOrder:
    work_order = selectors.work_order(pk)
    if work_order is None:
        raise Http404("No such work order.")
    return work_order


@rbac.capability_required("engineering.machines")
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _work_order_page(request, _work_order(pk))


def _work_order_page(request: HttpRequest, work_order: WorkOrder, **forms) -> HttpResponse:
    """A work order's page; a refused form (`log_form=...`) keeps what was typed, each message
    beside its field."""
    context = selectors.work_order_page(work_order)
    context |= {
        "log_form": WorkLogForm(),
        "escalate_form": EscalateForm(),
        "resolve_form": ResolveForm(),
        "complete_form": PmCompleteForm(checks=context["checks"]),
    }
    return render(request, "engineering/work_order_detail.html", context | forms)


def _work_step(request: HttpRequest, pk: int, form, name: str, action, done: str) -> HttpResponse:
    """Log work, escalate or resolve: the work order's page again on success, or with the form
    as typed and its refusal."""
    work_order = _work_order(pk)
    then = work_order.get_absolute_url()
    answered = _submit(request, form, action, done=done, then=then, work_order=work_order)
    return answered or _work_order_page(request, _work_order(pk), **{name: form})


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def work_log_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = WorkLogForm(request.POST)
    return _work_step(request, pk, form, "log_form", services.work_log_add, "Work logged.")


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def work_order_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    form = EscalateForm(request.POST)
    done = "Waiting for the vendor; the requester was told."
    return _work_step(request, pk, form, "escalate_form", services.work_order_escalate, done)


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def work_order_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    form = ResolveForm(request.POST)
    done = "Resolved; the requester was told."
    return _work_step(request, pk, form, "resolve_form", services.work_order_resolve, done)


@rbac.capability_required("engineering.machines")
def maintenance_due(request: HttpRequest) -> HttpResponse:
    """Every preventive maintenance not done yet, the earliest due first (overdue at the top),
    paged with its count: where the queue's and the dashboard's short panels lead."""
    context = selectors.maintenance_due_page(request)
    template = "engineering/maintenance_due.html"
    if request.htmx and request.htmx.target == "maintenance":
        template += "#maintenance"
    return render(request, template, context)


@rbac.capability_required("engineering.machines")
def engineering_summary(request: HttpRequest) -> HttpResponse:
    """The engineer's dashboard panels (loaded into the dashboard, refreshed live)."""
    return render(request, "engineering/_dashboard.html", selectors.dashboard(request.user))


@rbac.capability_required("engineering.machines", post_only=True)
@require_POST
def pm_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete a preventive maintenance: each checklist step passed or failed."""
    form = PmCompleteForm(request.POST, checks=selectors.pm_checks(_work_order(pk)))
    done = "Preventive maintenance done; the machine's next one is counted from today."
    return _work_step(request, pk, form, "complete_form", services.pm_complete, done)


# --- a machine's preventive-maintenance plan -------------------------------------------------


@rbac.capability_required("engineering.machines")
def pm_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The machine's plan: every how many days, and the checklist (one step a line)."""
    machine = _machine(pk)
    steps = "\n".join(machine.pm_steps.values_list("text", flat=True))
    initial = {"pm_interval_days": machine.pm_interval_days, "steps": steps}
    form = PmPlanForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done = "Maintenance plan saved."
        then = machine.get_absolute_url()
        answered = _submit(
            request, form, services.pm_plan_save, done=done, then=then, machine=machine
        )
        if answered:
            return answered
    return render(request, "engineering/pm_plan.html", {"form": form, "machine": machine})


# --- downtime and the department's figures ---------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, dict | None]:
    """The overview's period form and, when it is valid, its days and department."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    department = data["department"].pk if data["department"] else None
    return form, {"first": data["start"], "last": data["end"], "department": department}


@rbac.capability_required("engineering.machines")
def engineering_overview(request: HttpRequest) -> HttpResponse:
    """Downtime, availability, failures, MTBF, MTTR, PM compliance and open requests for a period,
    for the hospital, each department and each machine."""
    form, period = _period(request)
    form.list_departments()
    context = {"form": form, "links": selectors.fixed_links()}
    context |= selectors.overview_page(request, **period) if period else {}
    return render(request, "engineering/overview.html", context)


@rbac.capability_required("engineering.machines")
def engineering_overview_csv(request: HttpRequest) -> HttpResponse:
    """The overview's figures as a spreadsheet (every machine); a bad period goes back to the
    overview, where it is said beside its field."""
    form, period = _period(request)
    if period is None:
        return redirect(f"{reverse('engineering_overview')}?{request.GET.urlencode()}")
    start, end = downtime.period_of_days(period["first"], period["last"])
    report = downtime.downtime_report(start=start, end=end, department_id=period["department"])
    name = f"machine-downtime-{period['first']:%Y%m%d}-{period['last']:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(downtime.csv_rows(report))
    return response
