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
    # What a machine's QR label opens (the tag, so a label stays true if ids ever change).
    path("m/<str:tag>/", views.machine_by_tag, name="machine_by_tag"),
]
