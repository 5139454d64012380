from django.urls import path

from clinical import appointment_views as views
from clinical import consult_views, moving_views

urlpatterns = [
    path("", views.appointment_list, name="appointment_list"),
    path("today/", views.doctor_today, name="doctor_today"),
    path("book/", views.appointment_book, name="appointment_book"),
    path("slots/", views.slot_picker, name="slot_picker"),
    path("<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("<int:pk>/reschedule/", views.appointment_reschedule, name="appointment_reschedule"),
    path("<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("<int:pk>/check-in/", views.appointment_check_in, name="appointment_check_in"),
    path("<int:pk>/no-show/", views.appointment_no_show, name="appointment_no_show"),
    path(
        "<int:appointment_pk>/consultation/",
        consult_views.encounter_start,
        name="encounter_start",
    ),
    path("consultations/<int:pk>/", consult_views.encounter, name="encounter"),
    path(
        "consultations/<int:pk>/draft/",
        consult_views.encounter_draft,
        name="encounter_draft",
    ),
    path(
        "consultations/<int:pk>/draft/discard/",
        consult_views.encounter_draft_discard,
        name="encounter_draft_discard",
    ),
    path(
        "consultations/<int:pk>/complete/",
        consult_views.encounter_complete,
        name="encounter_complete",
    ),
    path(
        "consultations/<int:pk>/prescriptions/",
        consult_views.prescription_add,
        name="prescription_add",
    ),
    path(
        "consultations/<int:pk>/prescriptions.pdf",
        consult_views.prescription_pdf,
        name="prescription_pdf",
    ),
    path("consultations/icd10/", consult_views.icd10_pick, name="icd10_pick"),
    path(
        "prescriptions/quantity/",
        consult_views.prescription_quantity,
        name="prescription_quantity",
    ),
    path(
        "prescriptions/<int:pk>/remove/",
        consult_views.prescription_remove,
        name="prescription_remove",
    ),
    path("schedules/", views.schedule_list, name="schedule_list"),
    path("schedules/<int:pk>/remove/", views.schedule_block_remove, name="schedule_block_remove"),
    path("schedules/days-off/", views.schedule_exception_add, name="schedule_exception_add"),
    path("to-move/", moving_views.appointments_to_move, name="appointments_to_move"),
    path("to-move/count/", moving_views.to_move_count, name="to_move_count"),
    path("to-move/<int:pk>/offers/", moving_views.to_move_offers, name="to_move_offers"),
    path("to-move/<int:pk>/move/", moving_views.to_move_move, name="to_move_move"),
    path("to-move/<int:pk>/cancel/", moving_views.to_move_cancel, name="to_move_cancel"),
]
