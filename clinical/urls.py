from django.urls import path

from clinical import allergy_views, document_views, merge_views, portal_views, views

urlpatterns = [
    path("", views.patient_list, name="patient_list"),
    path("register/", views.patient_register, name="patient_register"),
    path("portal/summary/", portal_views.portal_summary, name="portal_summary"),
    path("portal/prescriptions/", portal_views.portal_prescriptions, name="portal_prescriptions"),
    path("<uuid:pk>/", views.patient_chart, name="patient_chart"),
    path("<uuid:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("<uuid:pk>/archive/", views.patient_archive, name="patient_archive"),
    path("<uuid:pk>/reactivate/", views.patient_reactivate, name="patient_reactivate"),
    path("<uuid:pk>/vitals/", views.patient_vitals, name="patient_vitals"),
    path(
        "<uuid:pk>/vitals/spo2-target/",
        views.patient_spo2_target,
        name="patient_spo2_target",
    ),
    path("<uuid:pk>/allergies/", allergy_views.patient_allergies, name="patient_allergies"),
    path(
        "<uuid:pk>/allergies/none-known/",
        allergy_views.patient_no_known_allergies,
        name="patient_no_known_allergies",
    ),
    path("allergies/<int:pk>/remove/", allergy_views.allergy_remove, name="allergy_remove"),
    path("<uuid:pk>/history/", views.patient_history, name="patient_history"),
    path("<uuid:pk>/documents/", document_views.patient_documents, name="patient_documents"),
    path(
        "<uuid:pk>/documents/upload/",
        document_views.document_upload,
        name="document_upload",
    ),
    path("documents/<str:token>/", document_views.document_download, name="document_download"),
    path("<uuid:pk>/portal-login/", views.patient_portal_login, name="patient_portal_login"),
    path("<uuid:pk>/merge/", merge_views.patient_merge, name="patient_merge"),
    path("merges/<int:pk>/", merge_views.patient_merge_detail, name="patient_merge_detail"),
    path("merges/<int:pk>/undo/", merge_views.patient_unmerge, name="patient_unmerge"),
]
