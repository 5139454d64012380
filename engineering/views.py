"""Screens of engineering: the asset register (engineers, admin), a machine's page and its QR
label (every member of staff may look a machine up), status changes."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engineering import selectors, services
from engineering.forms import MachineForm, MachineRegisterForm, StatusChangeForm
from engineering.models import Machine
from hms import params, rbac
from hms.refusals import refuse_beside, refuse_into


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
            messages.success(request, "Saved.")
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
    context.setdefault("status_form", StatusChangeForm())
    template = "engineering/machine_detail.html"
    if request.htmx and request.htmx.target == f"machine-{machine.pk}":
        template += "#machine"
    return render(request, template, context | forms)


@rbac.capability_required("engineering.request")
def machine_find(request: HttpRequest) -> HttpResponse:
    """Look a machine up by its asset tag (?q=): straight to its page when one has that tag."""
    tag = params.search_text(request.GET.get("q"), limit=30)
    machine = selectors.machine_by_tag(tag)
    if machine is not None:
        return redirect(machine.get_absolute_url())
    return render(request, "engineering/machine_find.html", {"q": tag})


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
