from django.urls import path

from wards import views

urlpatterns = [
    path("", views.bed_board, name="bed_board"),
    path("patients/", views.ward_patients, name="ward_patients"),
    path("my-inpatients/", views.doctor_inpatients, name="doctor_inpatients"),
    path("admit/", views.admission_new, name="admission_new"),
    path("admissions/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("admissions/<int:pk>/transfer/", views.admission_transfer, name="admission_transfer"),
    path("admissions/<int:pk>/order-discharge/", views.discharge_order, name="discharge_order"),
    path(
        "admissions/<int:pk>/open-orders/",
        views.discharge_open_order,
        name="discharge_open_order",
    ),
    path("admissions/<int:pk>/discharge/", views.discharge_process, name="discharge_process"),
    path(
        "admissions/<int:pk>/discharge-summary.pdf",
        views.discharge_summary_pdf,
        name="discharge_summary_pdf",
    ),
    path("admissions/<int:pk>/notes/", views.admission_note_add, name="admission_note_add"),
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:pk>/addendum/", views.note_addendum, name="note_addendum"),
    path("beds/<int:pk>/status/", views.bed_status, name="bed_status"),
    path("manage/", views.ward_list, name="ward_list"),
    path("manage/<int:pk>/add-bed/", views.ward_add_bed, name="ward_add_bed"),
    path("manage/<int:pk>/beds/", views.ward_beds, name="ward_beds"),
]
