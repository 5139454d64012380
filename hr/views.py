"""Attendance screens: my attendance (the button, my intervals and day totals, my shifts this
week and next), the team's day and the monthly report with its CSV (the administrator's)."""

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from hr import attendance_selectors, services, staff_pages
from hr.roster_forms import MonthForm, TeamDayForm, departments_listed, with_default

PEOPLE_PER_PAGE = 50


def length_text(length: timedelta) -> str:
    """7 h 05 min: how the attendance screens write a length of time."""
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@rbac.capability_required("hr.self_service")
def my_attendance(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    all_dates, first_dates = attendance_selectors.my_dates(user)
    dates = paging.page_of(
        request, all_dates, attendance_selectors.MY_DAYS_PER_PAGE, first_rows=first_dates
    )
    days = attendance_selectors.my_days(user, list(dates))
    for day in days:
        day["total"] = length_text(day["worked"])
    return render(
        request,
        "hr/my_attendance.html",
        {
            "weeks": attendance_selectors.my_fortnight(user, today),
            "dates": dates,
            "days": days,
            "today": today,
        },
    )


@rbac.capability_required("hr.self_service", post_only=True)
@require_POST
def attendance_mark(request: HttpRequest) -> HttpResponse:
    try:
        record = services.attendance_mark(user=request.user, request=request)
    except services.AttendanceError as refusal:
        messages.error(request, str(refusal))
    else:
        arrived, left = timezone.localtime(record.time_in), record.time_out
        if left:
            overnight = timezone.localdate(left) != record.date
            since = f" (in since {arrived:%a %d %b %H:%M})" if overnight else ""
            messages.success(request, f"Goodbye: out at {timezone.localtime(left):%H:%M}{since}.")
        else:
            messages.success(request, f"Welcome: in at {arrived:%H:%M}.")
        if getattr(record, "left_open", None):
            earlier = timezone.localtime(record.left_open.time_in)
            messages.warning(
                request,
                f"Your arrival on {earlier:%a %d %b} at {earlier:%H:%M} was never clocked out:"
                " it is marked “no clock-out”. Ask your manager to correct it.",
            )
    # The attendance is recorded by now: a `next` that is no path here falls back, never an error.
    return redirect(params.safe_next(request, "my_attendance"))


# --- the administrator's: the team's day, the monthly report ----------------------------------


@rbac.capability_required("hr.approve_leave")
def team_attendance(request: HttpRequest) -> HttpResponse:
    form = TeamDayForm(with_default(request.GET, "day", f"{timezone.localdate():%Y-%m-%d}"))
    day = form.chosen_day()
    # A box refused (said beside it) falls back alone: a day out of range keeps the department.
    department = form.cleaned_data.get("department")
    departments_listed(form)
    # Everyone's day is matched for the counts, but only a page of people is shown: they are
    # read as plain values (a large hospital's ~300 model instances were a tenth of the page).
    people = staff_pages.members(department)
    matched = attendance_selectors.days_of([person.pk for person in people], day, day)
    rows = [(person, matched[person.pk][day]) for person in people if day in matched[person.pk]]
    counts = attendance_selectors.day_counts([matched_day for _, matched_day in rows])
    page = paging.page_of(request, rows, PEOPLE_PER_PAGE)
    return render(
        request,
        "hr/team_attendance.html",
        {
            "form": form,
            "day": day,
            "counts": counts,
            "page": page,
            "rows": [
                (person, d, length_text(d.worked), length_text(d.overtime)) for person, d in page
            ],
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
    )


def _month_report(request: HttpRequest):
    form = MonthForm(with_default(request.GET, "month", f"{timezone.localdate():%Y-%m}"))
    form.is_valid()  # a box refused is said beside it and falls back alone
    month = form.cleaned_data.get("month") or timezone.localdate().replace(day=1)
    department = form.cleaned_data.get("department")
    return form, month, department


_REPORT_PAGES = staff_pages.FirstPages(PEOPLE_PER_PAGE)

REPORT_COLUMNS = [
    "Name",
    "Role",
    "Department",
    "Days present",
    "Days late",
    "Days absent",
    "Days off worked",
    "Hours worked",
    "Overtime hours",
]


@rbac.capability_required("hr.approve_leave")
def attendance_report(request: HttpRequest) -> HttpResponse:
    form, month, department = _month_report(request)
    departments_listed(form)
    page = _REPORT_PAGES.page(request, department)
    lines = attendance_selectors.month_lines(list(page), month)
    return render(
        request,
        "hr/attendance_report.html",
        {
            "form": form,
            "month": month,
            "page": page,
            "lines": lines,
            "grace_minutes": settings.HMS_ATTENDANCE_GRACE_MINUTES,
        },
    )


def report_rows(lines) -> list[list[str]]:
    """The report's rows as the CSV writes them: the same figures as the screen."""
    leave_types = sorted({name for line in lines for name in line.leave_by_type})
    rows = [REPORT_COLUMNS + [f"Leave: {name} (days)" for name in leave_types]]
    for line in lines:
        user = line.user
        rows.append(
            [
                user.get_full_name() or user.username,
                user.get_role_display(),
                user.department.name if user.department else "",
                str(line.days_present),
                str(line.days_late),
                str(line.days_absent),
                str(line.days_off_worked),
                str(line.hours_worked),
                str(line.overtime_hours),
            ]
            + [str(line.leave_by_type.get(name, "0")) for name in leave_types]
        )
    return rows


@rbac.capability_required("hr.approve_leave")
def attendance_report_csv(request: HttpRequest) -> HttpResponse:
    _form, month, department = _month_report(request)
    lines = attendance_selectors.month_lines(list(staff_pages.staff(department)), month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{month:%Y-%m}.csv"'
    csv.writer(response).writerows(report_rows(lines))
    return response
