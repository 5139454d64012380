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
