"""Appointment screens: the day's list, booking (desk and portal), one appointment with its
history and actions, a doctor's live list of today, and the doctors' weekly schedules (admin)."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import selectors, services
from clinical.forms import (
    AppointmentCancelForm,
    AppointmentMoveForm,
    ExceptionForm,
    ScheduleBlockForm,
)
from clinical.models import (
    Appointment,
    AppointmentStatus,
    DoctorSchedule,
    Patient,
)
from hms import paging, params, rbac
from hms.refusals import act, refuse_beside, refuse_into

REASON_LIMIT = params.model_limit(Appointment, "reason")
PER_PAGE = selectors.DAY_SHOWN
PAST_PER_PAGE = 20
EXCEPTIONS_PER_PAGE = 50


DAY_UNREADABLE = "That is not a day: type it as day/month/year, e.g. 04/12/2026."


def _day(value: str | None) -> date:
    """The day asked for, or today when none (or an impossible one) is given."""
    return params.date_param(value) or timezone.localdate()


def _doctor(value):
    doctor_id = params.db_id(value)
    return selectors.doctor_by_id(doctor_id) if doctor_id else None


def _reason(request: HttpRequest) -> str:
    return params.bounded_text(request.POST.get("reason"), limit=REASON_LIMIT, label="Reason")


def _appointment_or_404(user, pk: int) -> Appointment:
    appointment = selectors.appointments_for(user).filter(pk=pk).first()
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


@rbac.capability_required("appointments.view")
def appointment_list(request: HttpRequest) -> HttpResponse:
    if _for_themselves(request.user):
        context = selectors.portal_appointments(request.user)
        context["past"] = paging.page_of(request, context["past"], PAST_PER_PAGE)
        return render(request, "clinical/appointments_portal.html", context)
    context = selectors.appointment_day_page(
        request.user,
        day=_day(request.GET.get("date")),
        doctor_id=params.db_id(request.GET.get("doctor")),
        status=params.choice_param(request.GET.get("status"), AppointmentStatus.choices),
    )
    context["appointments"] = paging.page_of(
        request, context["appointments"], PER_PAGE, first_rows=context.pop("first_rows")
    )
    template = "clinical/appointment_list.html"
    if request.htmx and request.htmx.target == "appointment-rows":
        template += "#rows"
    return render(request, template, context)


@rbac.capability_required("appointments.view")
def doctor_today(request: HttpRequest) -> HttpResponse:
    """A doctor's appointments today, updated live as patients are booked and check in."""
    doctor = request.user
    if rbac.scope(doctor, "appointments.view") != rbac.OWN or _for_themselves(doctor):
        # Not a doctor seeing their own day: the desk and nurses pick one (?doctor=).
        doctor = _doctor(request.GET.get("doctor"))
        if doctor is None or _for_themselves(request.user):
            return redirect("appointment_list")
    # Each patient's NEWS2 of the last day beside the appointment (the desk does not see it).
    sees_vitals = rbac.scope(request.user, "patients.view_chart") == rbac.ALL
    since = timezone.now() - timedelta(hours=24) if sees_vitals else None
    today = selectors.doctor_day(doctor, timezone.localdate(), observed_since=since)
    context = {"doctor": doctor, "today": today}
    template = "clinical/doctor_today.html"
    if request.htmx and request.htmx.target == f"today-{doctor.pk}":
        template += "#today"
    return render(request, template, context)


def _for_themselves(user) -> bool:
    """A portal patient, who sees and books only their own appointments (the "own" scope)."""
    return rbac.scope(user, "appointments.book") == rbac.OWN


def _booking_patient(request: HttpRequest) -> Patient | None:
    if _for_themselves(request.user):
        return Patient.objects.filter(user=request.user).first()
    patient_id = params.uuid_param(request.GET.get("patient") or request.POST.get("patient"))
    return selectors.live_patient_for(request.user, patient_id) if patient_id else None


@rbac.capability_required("appointments.book")
def slot_picker(request: HttpRequest) -> HttpResponse:
    """The free slots of a doctor on a day (htmx fragment of the booking form)."""
    doctor = _doctor(request.GET.get("doctor"))
    day = _day(request.GET.get("date"))
    # A day that cannot be read, or past the booking horizon, offers no times (never today's).
    refused = _day_refused(request.GET.get("date"), day)
    # Free for the doctor and, once the form has a patient, for that patient too.
    patient = _booking_patient(request)
    slots = selectors.slots_for(doctor, day, patient=patient) if doctor and not refused else []
    day_off = selectors.whole_day_off(doctor, day) if doctor and not refused and not slots else None
    context = {"slots": slots, "doctor": doctor, "day": day, "day_refused": refused}
    context["day_off"] = day_off
    context["chosen"] = request.GET.get("starts_at")
    return render(request, "clinical/appointment_book.html#slots", context)


def _day_refused(typed: str | None, day: date) -> str:
    """Why the typed day offers no times ("" when it does)."""
    if typed and params.date_param(typed) is None:
        return DAY_UNREADABLE
    if day > services.booking_last_day():
        return f"Bookings open up to {services.booking_last_day():%d %b %Y}: choose an earlier day."
    return ""


@rbac.capability_required("appointments.book")
def appointment_book(request: HttpRequest) -> HttpResponse:
    patient = _booking_patient(request)
    if _for_themselves(request.user) and patient is None:
        messages.error(request, "Your login is not linked to a patient record yet.")
        return redirect("dashboard")
    doctor = _doctor(request.POST.get("doctor") or request.GET.get("doctor"))
    day = _day(request.POST.get("date") or request.GET.get("date"))
    refusal = None
    if request.method == "POST":
        try:
            appointment = _book(request, patient=patient, doctor=doctor, day=day)
        except (services.BookingError, params.ValueRefused) as refused:
            refusal = refused  # said beside its field (a taken slot: with the next free ones)
        else:
            when = timezone.localtime(appointment.starts_at)
            messages.success(
                request, f"Booked: {patient.full_name} with {doctor}, {when:%a %d %b %H:%M}."
            )
            return redirect("appointment_detail", pk=appointment.pk)
    context = selectors.booking_page(
        patient=patient,
        doctor=doctor,
        day=day,
        refusal=refusal,
        reason=request.POST.get("reason", ""),
        max_day=services.booking_last_day(),
    )
    return render(request, "clinical/appointment_book.html", context)


def _book(request: HttpRequest, *, patient, doctor, day: date) -> Appointment:
    """Book the posted slot. What the form lacks is refused like a rule of booking, with the
    field it is about (when it is about one); nothing is booked then."""
    starts_at = params.local_datetime(request.POST.get("starts_at"))
    try:
        reason = _reason(request)
    except params.ValueRefused as refusal:
        raise params.ValueRefused(str(refusal), field="reason") from refusal
    if request.POST.get("date") and params.date_param(request.POST["date"]) is None:
        raise params.ValueRefused(DAY_UNREADABLE, field="date")
    if patient is None:
        raise params.ValueRefused("Choose the patient first (search by name, MRN or phone).")
    if doctor is None:
        raise params.ValueRefused("Choose a doctor.")
    if starts_at is None:
        raise params.ValueRefused("Choose one of the free slots.")
    return services.appointment_book(
        actor=request.user,
        patient=patient,
        doctor=doctor,
        starts_at=starts_at,
        # The slot must lie on the day the form showed (checked by the service).
        on_date=day if request.POST.get("date") else None,
        reason=reason,
        request=request,
    )


@rbac.capability_required("appointments.view")
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_or_404(request.user, pk)
    return _appointment_page(request, appointment)


def _appointment_page(request: HttpRequest, appointment: Appointment, **refused_forms):
    """The appointment's page; a refused form (`move_form=...`, `cancel_form=...`) shows its
    messages beside its fields and keeps what was typed."""
    day = params.date_param(request.GET.get("date"))
    context = selectors.appointment_page(request.user, appointment, day=day)
    return render(request, "clinical/appointment_detail.html", context | refused_forms)


def _change(request: HttpRequest, pk: int, form, action, done: str) -> HttpResponse:
    """Move or cancel: a bad value or a refusal re-renders the page with the form as typed."""
    appointment = _appointment_or_404(request.user, pk)
    name = "move_form" if "starts_at" in form.fields else "cancel_form"
    if form.is_valid():
        try:
            action(
                actor=request.user, request=request, appointment=appointment, **form.cleaned_data
            )
        except services.BookingError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, done)
            return redirect(appointment.get_absolute_url())
    return _appointment_page(request, appointment, **{name: form})


def _act(request: HttpRequest, pk: int, action, done: str, **kwargs) -> HttpResponse:
    appointment = _appointment_or_404(request.user, pk)
    then = appointment.get_absolute_url()
    return act(request, action, done=done, then=then, appointment=appointment, **kwargs)


@rbac.capability_required("appointments.book", post_only=True)
@require_POST
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    form = AppointmentMoveForm(request.POST)
    return _change(request, pk, form, services.appointment_reschedule, "The appointment is moved.")


@rbac.capability_required("appointments.book", post_only=True)
@require_POST
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = AppointmentCancelForm(request.POST)
    return _change(request, pk, form, services.appointment_cancel, "The appointment is cancelled.")


# Checking in and marking a no-show are the desk's (the whole scope of booking): a portal
# patient gets 403 from the matrix, and the services refuse them whoever calls.
@rbac.capability_required("appointments.book", post_only=True, scopes={rbac.ALL})
@require_POST
def appointment_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the patient in (and, through the arrival hooks, give them a queue ticket); back to
    the appointments list when the button was on it, else to the appointment."""
    appointment = _appointment_or_404(request.user, pk)
    then = (
        f"{reverse('appointment_list')}?date={timezone.localdate():%Y-%m-%d}"
        if request.POST.get("back") == "list"
        else appointment.get_absolute_url()
    )
    try:
        checked = services.appointment_check_in(
            actor=request.user, request=request, appointment=appointment
        )
    except services.BookingError as refusal:
        messages.error(request, str(refusal))
    else:
        said = " ".join(getattr(checked, "arrival_notes", []))
        messages.success(request, f"{appointment.patient.full_name} is checked in. {said}".strip())
    return redirect(then)


@rbac.capability_required("appointments.book", post_only=True, scopes={rbac.ALL})
@require_POST
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.appointment_no_show, "Marked as no-show.")


# --- schedules (admin) -----------------------------------------------------------------------


@rbac.capability_required("schedules.manage")
def schedule_list(request: HttpRequest) -> HttpResponse:
    block_form = ScheduleBlockForm(request.POST or None, prefix="block")
    exception_form = ExceptionForm(prefix="exception")
    if request.method == "POST" and block_form.is_valid():
        try:
            services.schedule_block_add(
                actor=request.user, request=request, **block_form.cleaned_data
            )
        except services.BookingError as refusal:
            block_form.add_error(None, str(refusal))
        else:
            messages.success(request, "Clinic hours added.")
            return redirect("schedule_list")
    return _schedules_page(request, block_form=block_form, exception_form=exception_form)


def _schedules_page(request: HttpRequest, *, block_form, exception_form) -> HttpResponse:
    """The schedules page with its two forms (bound and showing their errors after a refusal)."""
    context = selectors.schedules_page()
    context["exceptions"] = paging.page_of(request, context["exceptions"], EXCEPTIONS_PER_PAGE)
    context |= {"block_form": block_form, "exception_form": exception_form}
    return render(request, "clinical/schedule_list.html", context)


@rbac.capability_required("schedules.manage", post_only=True)
@require_POST
def schedule_block_remove(request: HttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(DoctorSchedule, pk=pk)
    services.schedule_block_remove(actor=request.user, block=block, request=request)
    messages.success(request, "Clinic hours removed. Appointments already booked stay booked.")
    return redirect("schedule_list")


@rbac.capability_required("schedules.manage", post_only=True)
@require_POST
def schedule_exception_add(request: HttpRequest) -> HttpResponse:
    form = ExceptionForm(request.POST, prefix="exception")
    if form.is_valid():
        try:
            services.schedule_exception_add(
                actor=request.user, request=request, **form.cleaned_data
            )
        except services.BookingError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Day off recorded: no slots are offered then.")
            return redirect("schedule_list")
    block_form = ScheduleBlockForm(prefix="block")
    return _schedules_page(request, block_form=block_form, exception_form=form)
