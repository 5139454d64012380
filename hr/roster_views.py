"""The roster (the administrator's): a week grid by department, one cell per person and date,
copy last week, a department on a shift over a range of dates; and the shifts themselves."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from hms import params, rbac
from hms.concurrent_edits import merged_note
from hr import attendance_selectors, services, staff_pages
from hr.models import RosterEntry, Shift
from hr.roster_forms import (
    CopyWeekForm,
    DepartmentRangeForm,
    RosterCellForm,
    RosterWeekForm,
    ShiftForm,
    range_form_sharing_options,
    with_default,
)

PEOPLE_PER_PAGE = 25
_PAGES = staff_pages.FirstPages(PEOPLE_PER_PAGE)


def _monday(day):
    return day - timedelta(days=day.weekday())


@rbac.capability_required("hr.approve_leave")
def roster(request: HttpRequest) -> HttpResponse:
    form = RosterWeekForm(
        with_default(request.GET, "week", f"{_monday(timezone.localdate()):%Y-%m-%d}")
    )
    form.is_valid()  # a box refused is said beside it and falls back alone
    week = _monday(form.cleaned_data.get("week") or timezone.localdate())
    department = form.cleaned_data.get("department")
    page = _PAGES.page(request, department)
    days = [week + timedelta(days=n) for n in range(7)]
    shifts, range_form = range_form_sharing_options(
        form, department=department, first=week, last=days[-1]
    )
    return render(
        request,
        "hr/roster.html",
        {
            "form": form,
            "week": week,
            "days": days,
            "today": timezone.localdate(),
            "page": page,
            "grid": attendance_selectors.roster_grid(list(page), days, shifts),
            "department": department,
            "previous": week - timedelta(days=7),
            "next": week + timedelta(days=7),
            "range_form": range_form,
        },
    )


def _back(request: HttpRequest) -> str:
    return params.safe_next(request, "roster")


def _saved_cell(request: HttpRequest, person, day, entry, refusal: str = "") -> HttpResponse:
    """The cell just saved, for htmx to swap in (green: saved); or, with `refusal`, the cell as
    it is stored with the sentence under its select (htmx swaps a 200 only)."""
    if refusal:
        entry = RosterEntry.objects.filter(user=person, date=day).first()
    matched = attendance_selectors.days_of([person.pk], day, day)[person.pk].get(day)
    cell = attendance_selectors.roster_cell(person, day, entry, matched, list(Shift.objects.all()))
    context = {"cell": cell, "saved": not refusal, "refusal": refusal}
    return render(request, "hr/roster.html#cell", context)


def _cell_refused(request: HttpRequest, message: str) -> HttpResponse:
    """A cell not saved: the roster again with `message` on top (the whole page under htmx)."""
    messages.error(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(_back(request))
    return redirect(_back(request))


@rbac.capability_required("hr.approve_leave", post_only=True)
@require_POST
def roster_cell(request: HttpRequest) -> HttpResponse:
    form = RosterCellForm(request.POST)
    if not form.is_valid():
        return _cell_refused(request, "That cell could not be read; nothing was changed.")
    person = get_object_or_404(services.rosterable_staff(), pk=form.cleaned_data["user"])
    day, shift = form.cleaned_data["day"], form.cleaned_data["shift"]
    try:
        if shift is None:
            services.roster_unassign(actor=request.user, user=person, day=day, request=request)
            entry = None
        else:
            entry = services.roster_assign(
                actor=request.user, user=person, day=day, shift=shift, request=request
            )
    except services.RosterError as refusal:
        if request.htmx:
            return _saved_cell(request, person, day, None, refusal=str(refusal))
        return _cell_refused(request, str(refusal))
    if request.htmx:
        return _saved_cell(request, person, day, entry)
    who = person.get_full_name() or person.username
    messages.success(request, f"{who}, {day:%a %d %b}: {shift.name if shift else 'day off'}.")
    return redirect(_back(request))


@rbac.capability_required("hr.approve_leave", post_only=True)
@require_POST
def roster_copy_week(request: HttpRequest) -> HttpResponse:
    form = CopyWeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the week to copy into; nothing was changed.")
        return redirect(_back(request))
    try:
        filled = services.roster_copy_week(
            actor=request.user,
            week_start=_monday(form.cleaned_data["week"]),
            department=form.cleaned_data["department"],
            request=request,
        )
    except services.RosterError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Last week copied: {filled} shift{'s' if filled != 1 else ''} filled in."
            if filled
            else "Nothing to copy: this week already has every shift of last week, or last week"
            " was empty.",
        )
    return redirect(_back(request))


@rbac.capability_required("hr.approve_leave", post_only=True)
@require_POST
def roster_department(request: HttpRequest) -> HttpResponse:
    form = DepartmentRangeForm(request.POST)
    if form.is_valid():
        try:
            changed = services.roster_assign_department(
                actor=request.user, request=request, **form.cleaned_data
            )
        except services.RosterError as refusal:
            form.add_error(refusal.field, str(refusal))
        else:
            data = form.cleaned_data
            messages.success(
                request,
                f"{data['department'].name} on {data['shift'].name} from {data['first']:%d %b}"
                f" to {data['last']:%d %b %Y}: {changed} shift{'s' if changed != 1 else ''} set.",
            )
            return redirect(
                f"{reverse('roster')}?week={data['first']:%Y-%m-%d}&department={data['department'].pk}"
            )
    return render(request, "hr/roster_department.html", {"range_form": form}, status=400)


@rbac.capability_required("hr.approve_leave")
def shift_list(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.shift_save(actor=request.user, request=request, **form.cleaned_data)
        except services.RosterError as refusal:
            form.add_error(refusal.field, str(refusal))
        else:
            messages.success(request, f"Shift “{shift.name}” saved.")
            return redirect("shift_list")
    return render(
        request,
        "hr/shifts.html",
        {"form": form, "shifts": Shift.objects.all()},
        status=400 if form.errors else 200,
    )


@rbac.capability_required("hr.approve_leave")
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = ShiftForm(
        request.POST or None,
        initial={"name": shift.name, "starts_at": shift.starts_at, "ends_at": shift.ends_at},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_save(
                actor=request.user, shift=shift, request=request, **form.cleaned_data
            )
        except services.RosterError as refusal:
            form.add_error(refusal.field, str(refusal))
        else:
            messages.success(
                request, f"Shift “{form.cleaned_data['name']}” saved." + merged_note(form)
            )
            return redirect("shift_list")
    return render(
        request,
        "hr/shift_edit.html",
        {"form": form, "shift": shift},
        status=400 if form.errors else 200,
    )
