from django.urls import path

from hr import views

urlpatterns = [
    path("attendance/", views.my_attendance, name="my_attendance"),
    path("attendance/mark/", views.attendance_mark, name="attendance_mark"),
]
