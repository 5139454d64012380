"""Own attendance: mark in/out with one click, see one's recent days."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from hr import services
from hr.models import Attendance

DAYS_PER_PAGE = 31


@rbac.capability_required("hr.self_service")
def my_attendance(request: HttpRequest) -> HttpResponse:
    days = paging.page_of(request, Attendance.objects.filter(user=request.user), DAYS_PER_PAGE)
    today = Attendance.objects.filter(user=request.user, date=timezone.localdate()).first()
    return render(request, "hr/my_attendance.html", {"days": days, "today": today})


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
