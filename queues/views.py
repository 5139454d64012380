"""Queue screens: the overview of every service point, a ticket at the desk, one point's line
with Call next, the desk's flow panel, set-up (admin), and the waiting-area TV (no sign-in: its
token is its key; it shows numbers only)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from hms.refusals import act, refuse_beside, refuse_into
from queues import selectors, services
from queues.forms import DisplayForm, ServicePointForm, TicketIssueForm, TransferForm
from queues.models import DisplayScreen, QueueTicket, ServicePoint

WAITING_PER_PAGE = selectors.WAITING_PER_PAGE


@rbac.capability_required("queue.view")
def queue_overview(request: HttpRequest) -> HttpResponse:
    """Every open service point: how many wait, at the window, done, the average wait."""
    context = {"points": selectors.points_with_figures(timezone.localdate())}
    template = "queues/overview.html"
    if request.htmx and request.htmx.target == "queue-points":
        template += "#points"
    return render(request, template, context)


@rbac.capability_required("queue.view")
def queue_flow_panel(request: HttpRequest) -> HttpResponse:
    """The desk's dashboard panel: today's flow (waiting now per point, checked in, seen)."""
    return render(request, "queues/flow_panel.html", selectors.day_flow(timezone.localdate()))


@rbac.capability_required("queue.issue")
def ticket_issue(request: HttpRequest) -> HttpResponse:
    """A walk-in's ticket (or a patient's, by MRN) for a service point."""
    initial = {}
    patient_id = params.uuid_param(request.GET.get("patient"))
    if patient_id:
        from clinical.models import Patient

        initial["mrn"] = Patient.objects.filter(pk=patient_id).values_list("mrn", flat=True).first()
    form = TicketIssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_issue(
                actor=request.user,
                request=request,
                service_point=form.cleaned_data["service_point"],
                patient=form.cleaned_data["mrn"],
                priority=form.cleaned_data["priority"],
            )
        except services.QueueError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, f"Ticket {ticket.label}: {ticket.service_point}.")
            return redirect("ticket_issue")
    return render(request, "queues/ticket_issue.html", {"form": form})


def _point_page(request: HttpRequest, point: ServicePoint, transfer_form=None) -> HttpResponse:
    context = selectors.point_line(point, timezone.localdate())
    context["waiting"] = paging.page_of(
        request,
        context["waiting"],
        WAITING_PER_PAGE,
        count=context["figures"].waiting,
        first_rows=context.pop("first_waiting"),
    )
    context["may_serve"] = services.may_serve(request.user, point)
    # The lab's or pharmacy's line shows names without a link to a chart they may not open.
    context["may_open_charts"] = rbac.scope(request.user, "patients.view_chart") in {
        rbac.ALL,
        rbac.DEMOGRAPHICS,
    }
    context["transfer_form"] = transfer_form or TransferForm(exclude=point)
    template = "queues/point.html"
    if request.htmx and request.htmx.target == f"line-{point.pk}":
        template += "#line"
    return render(request, template, context)


@rbac.capability_required("queue.view")
def point_queue(request: HttpRequest, pk: int) -> HttpResponse:
    """One service point's line: who is at the window, who waits next, Call next."""
    point = selectors.active_point(pk)
    if point is None:
        raise Http404("No such service point, or it is closed.")
    return _point_page(request, point)


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(ServicePoint, pk=pk, is_active=True)
    try:
        ticket = services.ticket_call_next(actor=request.user, request=request, service_point=point)
    except services.QueueError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, f"Called {ticket.label}.")
    return redirect("point_queue", pk=point.pk)


def _ticket_or_404(pk: int) -> QueueTicket:
    ticket = QueueTicket.objects.select_related("service_point").filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def _step(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    ticket = _ticket_or_404(pk)
    then = reverse("point_queue", args=[ticket.service_point_id])
    return act(request, service, done=done.format(ticket.label), then=then, ticket=ticket)


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def ticket_recall(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.ticket_recall, "Called {} again.")


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def ticket_serve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.ticket_serve, "{} is being seen.")


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def ticket_finish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.ticket_finish, "{} is done.")


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def ticket_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.ticket_no_show, "{} did not answer: closed.")


@rbac.capability_required("queue.view", post_only=True)
@require_POST
def ticket_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(pk)
    form = TransferForm(request.POST, exclude=ticket.service_point)
    if form.is_valid():
        try:
            sent = services.ticket_transfer(
                actor=request.user, request=request, ticket=ticket, **form.cleaned_data
            )
        except services.QueueError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(
                request, f"{ticket.label} sent on: ticket {sent.label}, {sent.service_point}."
            )
            return redirect("point_queue", pk=ticket.service_point_id)
    return _point_page(request, ticket.service_point, transfer_form=form)


# --- set-up (admin) ----------------------------------------------------------------------------


@rbac.capability_required("queue.setup")
def queue_setup(request: HttpRequest) -> HttpResponse:
    """Service points (add, open, close) and the waiting-area displays (add, switch off)."""
    form = ServicePointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_point_save(
                actor=request.user, request=request, fields=form.cleaned_data
            )
        except services.QueueError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Service point added.")
            return redirect("queue_setup")
    return _setup_page(request, point_form=form, display_form=DisplayForm())


def _setup_page(request: HttpRequest, *, point_form, display_form) -> HttpResponse:
    points = ServicePoint.objects.select_related("doctor").order_by("position", "name")
    displays = DisplayScreen.objects.prefetch_related("service_points").order_by(
        "-is_active", "name"
    )
    context = {
        "points": paging.page_of(request, points, 50, name="points"),
        "displays": paging.page_of(request, displays, 50, name="displays"),
        "point_form": point_form,
        "display_form": display_form,
    }
    return render(request, "queues/setup.html", context)


@rbac.capability_required("queue.setup", post_only=True)
@require_POST
def service_point_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(ServicePoint, pk=pk)
    opening = not point.is_active
    return act(
        request,
        services.service_point_save,
        done=f"{point} is {'open' if opening else 'closed'}.",
        then=reverse("queue_setup"),
        point=point,
        fields={"is_active": opening},
    )


@rbac.capability_required("queue.setup", post_only=True)
@require_POST
def display_create(request: HttpRequest) -> HttpResponse:
    form = DisplayForm(request.POST)
    if form.is_valid():
        display = services.display_create(actor=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"Display {display} added: open its address on the TV.")
        return redirect("queue_setup")
    return _setup_page(request, point_form=ServicePointForm(), display_form=form)


@rbac.capability_required("queue.setup", post_only=True)
@require_POST
def display_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    display = get_object_or_404(DisplayScreen, pk=pk)
    return act(
        request,
        services.display_revoke,
        done=f"{display} is switched off: its address no longer works.",
        then=reverse("queue_setup"),
        display=display,
    )


# --- the waiting-area TV (no sign-in) ---------------------------------------------------------


def _display_or_404(token: str) -> DisplayScreen:
    display = selectors.display_for(token)
    if display is None:
        raise Http404("No such display.")
    return display


@rbac.public
def queue_display(request: HttpRequest, token: str) -> HttpResponse:
    """The TV: numbers called and how many wait, live over the display's own socket."""
    display = _display_or_404(token)
    context = selectors.display_board(display, timezone.localdate()) | {"token": token}
    return render(request, "queues/display.html", context)


@rbac.public
def queue_display_board(request: HttpRequest, token: str) -> HttpResponse:
    """The TV's board alone (its live panel fetches it when a number is called)."""
    display = _display_or_404(token)
    context = selectors.display_board(display, timezone.localdate()) | {"token": token}
    return render(request, "queues/_display_board.html", context)
