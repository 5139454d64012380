from django.urls import path

from engineering import views

urlpatterns = [
    path("machines/", views.machine_list, name="machine_list"),
    path("machines/new/", views.machine_new, name="machine_new"),
    path("machines/find/", views.machine_find, name="machine_find"),
    path("machines/<int:pk>/", views.machine_detail, name="machine_detail"),
    path("machines/<int:pk>/edit/", views.machine_edit, name="machine_edit"),
    path("machines/<int:pk>/status/", views.machine_status, name="machine_status"),
    path("machines/<int:pk>/label/", views.machine_label, name="machine_label"),
    path("machines/<int:pk>/fault/", views.fault_raise, name="fault_raise"),
    path("machines/<int:pk>/maintenance-plan/", views.pm_plan, name="pm_plan"),
    path("queue/", views.work_queue, name="work_queue"),
    path("maintenance/", views.maintenance_due, name="maintenance_due"),
    path("summary/", views.engineering_summary, name="engineering_summary"),
    path("requests/<int:pk>/take/", views.request_take, name="request_take"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work_order_detail"),
    path("work-orders/<int:pk>/log/", views.work_log_add, name="work_log_add"),
    path("work-orders/<int:pk>/escalate/", views.work_order_escalate, name="work_order_escalate"),
    path("work-orders/<int:pk>/resolve/", views.work_order_resolve, name="work_order_resolve"),
    path("work-orders/<int:pk>/complete/", views.pm_complete, name="pm_complete"),
    path("overview/", views.engineering_overview, name="engineering_overview"),
    path("overview.csv", views.engineering_overview_csv, name="engineering_overview_csv"),
    # What a machine's QR label opens (the tag, so a label stays true if ids ever change).
    path("m/<str:tag>/", views.machine_by_tag, name="machine_by_tag"),
]
