from django.urls import path

from lab import views

urlpatterns = [
    path("", views.worklist, name="lab_worklist"),
    path("late/", views.late, name="lab_late"),
    path("summary/", views.lab_summary, name="lab_summary"),
    path("my-orders/", views.doctor_results, name="lab_doctor_results"),
    path("my-orders/all/", views.doctor_results_all, name="lab_doctor_results_all"),
    path("order/", views.order_new, name="lab_order_new"),
    path("machines-down/", views.machines_down, name="lab_machines_down"),
    path("patients/<uuid:patient_pk>/orders/", views.orders_panel, name="lab_orders_panel"),
    path("orders/<int:pk>/", views.order_detail, name="lab_order"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="lab_order_cancel"),
    path("orders/<int:pk>/step/", views.order_advance, name="lab_order_advance"),
    path("orders/<int:pk>/results/", views.results_enter, name="lab_results_enter"),
    path("orders/<int:pk>/amend/", views.results_amend, name="lab_results_amend"),
    path("orders/<int:pk>/critical-call/", views.critical_call, name="lab_critical_call"),
    path("orders/<int:pk>/report/", views.report_attach, name="lab_report_attach"),
    path("reports/<str:token>/", views.report_download, name="lab_report"),
    path("my-results/", views.portal_results, name="lab_portal_results"),
    path("catalogue/", views.catalogue, name="lab_catalogue"),
    path("catalogue/<int:pk>/", views.catalogue_edit, name="lab_catalogue_edit"),
    path("catalogue/<int:pk>/fields/", views.catalogue_field_add, name="lab_catalogue_field_add"),
    path("catalogue/<int:pk>/ranges/", views.catalogue_range_add, name="lab_catalogue_range_add"),
    path(
        "catalogue/ranges/<int:pk>/remove/",
        views.catalogue_range_remove,
        name="lab_catalogue_range_remove",
    ),
]
