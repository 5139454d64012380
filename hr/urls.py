from django.urls import path

from hr import roster_views, views

urlpatterns = [
    path("attendance/", views.my_attendance, name="my_attendance"),
    path("attendance/mark/", views.attendance_mark, name="attendance_mark"),
    path("attendance/team/", views.team_attendance, name="team_attendance"),
    path("attendance/report/", views.attendance_report, name="attendance_report"),
    path("attendance/report.csv", views.attendance_report_csv, name="attendance_report_csv"),
    path("roster/", roster_views.roster, name="roster"),
    path("roster/cell/", roster_views.roster_cell, name="roster_cell"),
    path("roster/copy-week/", roster_views.roster_copy_week, name="roster_copy_week"),
    path("roster/department/", roster_views.roster_department, name="roster_department"),
    path("shifts/", roster_views.shift_list, name="shift_list"),
    path("shifts/<int:pk>/", roster_views.shift_edit, name="shift_edit"),
]

# Leave (issue 17): own leave for every staff role, deciding and the rules for the administrator.
from hr import leave_views  # noqa: E402

urlpatterns += [
    path("leave/", leave_views.my_leave, name="my_leave"),
    path("leave/apply/", leave_views.leave_apply, name="leave_apply"),
    path("leave/apply/preview/", leave_views.leave_preview, name="leave_preview"),
    path("leave/<int:pk>/withdraw/", leave_views.leave_withdraw, name="leave_withdraw"),
    path("leave/<int:pk>/cancel/", leave_views.leave_cancel, name="leave_cancel"),
    path("leave/requests/", leave_views.leave_queue, name="leave_queue"),
    path("leave/requests/<int:pk>/", leave_views.leave_decide, name="leave_decide"),
    path(
        "leave/requests/<int:pk>/document/", leave_views.leave_attachment, name="leave_attachment"
    ),
    path("leave/away/", leave_views.leave_away, name="leave_away"),
    path("leave/balances/", leave_views.leave_balances, name="leave_balances"),
    path("leave/types/", leave_views.leave_types, name="leave_types"),
    path("leave/types/<int:pk>/", leave_views.leave_type_edit, name="leave_type_edit"),
    path("leave/closures/", leave_views.closure_days, name="closure_days"),
    path(
        "leave/closures/<int:pk>/remove/",
        leave_views.closure_day_remove,
        name="closure_day_remove",
    ),
]
