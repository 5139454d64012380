"""The desk's appointments to move: patients booked when their doctor is away (leave, or a day
off set by hand), each moved to a time offered in one click, or cancelled to call the patient."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import selectors, services
from clinical.forms import MoveOfferForm
from clinical.models import Appointment
from hms import paging, rbac
from hms.phones import phone_local

PER_PAGE = 20
DESK = {rbac.ALL}  # the desk's whole scope of booking (a portal patient books their own only)


def _to_move_or_none(pk: int) -> Appointment | None:
    return selectors.appointments_to_move().filter(pk=pk).first()


def _away_reason(appointment: Appointment) -> str:
    return f"{appointment.doctor} away: {appointment.day_off_reason or 'day off'}"[:200]


def _call(patient) -> str:
    phone = phone_local(patient.phone)
    return f"Call them on {phone} to tell them." if phone else "Tell them when they call or come."


@rbac.capability_required("appointments.book", scopes=DESK)
def appointments_to_move(request: HttpRequest) -> HttpResponse:
    """The list, paged with its count; refreshed live when a leave closes or opens days."""
    first = None
    if paging.page_number(request) == 1:
        first = selectors.appointments_to_move_first(PER_PAGE + 1)
    if first is not None and len(first) <= PER_PAGE:
        # The whole list on its first page: its rows are its count (no queryset to build).
        page = paging.page_at(first, PER_PAGE, 1, count=len(first))
    else:
        page = paging.page_of(
            request,
            selectors.appointments_to_move(),
            PER_PAGE,
            first_rows=(lambda: first) if first is not None else None,
        )
    template = "clinical/appointments_to_move.html"
    if request.htmx and request.htmx.target == "to-move-rows":
        template += "#rows"
    return render(request, template, {"appointments": page})


@rbac.capability_required("appointments.book", scopes=DESK)
def to_move_offers(request: HttpRequest, pk: int) -> HttpResponse:
    """The times offered for one row (loaded into it once the list is shown)."""
    appointment = _to_move_or_none(pk)
    context = selectors.move_offers(appointment) if appointment else {"appointment": None}
    return render(request, "clinical/appointments_to_move.html#offers", context)


@rbac.capability_required("appointments.book", scopes=DESK)
def to_move_count(request: HttpRequest) -> HttpResponse:
    """The dashboards' link: how many appointments there are to move (one query)."""
    count = selectors.appointments_to_move().count()
    return render(request, "clinical/appointments_to_move.html#count", {"count": count})


def _move_to(request: HttpRequest, appointment: Appointment, doctor, starts_at) -> Appointment:
    """Its own doctor: a new time (reschedule); another doctor: cancelled and booked again."""
    common = {"actor": request.user, "appointment": appointment, "starts_at": starts_at}
    common |= {"reason": _away_reason(appointment), "request": request}
    if doctor.pk == appointment.doctor_id:
        return services.appointment_reschedule(**common)
    return services.appointment_move_to_doctor(doctor=doctor, **common)


@rbac.capability_required("appointments.book", post_only=True, scopes=DESK)
@require_POST
def to_move_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the appointment to the time offered (its own doctor's, or another doctor's the same
    day); back to the list, where its row is gone."""
    appointment = _to_move_or_none(pk)
    if appointment is None:
        raise Http404("That appointment no longer needs moving.")
    form = MoveOfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("appointments_to_move")
    try:
        moved = _move_to(request, appointment, **form.cleaned_data)
    except services.BookingError as refusal:
        messages.error(request, str(refusal))
    else:
        when = timezone.localtime(moved.starts_at)
        messages.success(
            request,
            f"Moved: {moved.patient.full_name} now sees {moved.doctor} on {when:%a %d %b at %H:%M}."
            f" {_call(moved.patient)}",
        )
    return redirect("appointments_to_move")


@rbac.capability_required("appointments.book", post_only=True, scopes=DESK)
@require_POST
def to_move_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the appointment (the doctor is away and no time suits): the reason names the day
    off; the desk calls the patient on the number shown."""
    appointment = _to_move_or_none(pk)
    if appointment is None:
        raise Http404("That appointment no longer needs moving.")
    try:
        services.appointment_cancel(
            actor=request.user,
            appointment=appointment,
            reason=_away_reason(appointment),
            request=request,
        )
    except services.BookingError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Cancelled: {appointment.patient.full_name}. {_call(appointment.patient)}",
        )
    return redirect("appointments_to_move")
