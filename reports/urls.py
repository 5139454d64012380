from django.urls import path

from reports import audit_views

urlpatterns = [
    path("", audit_views.audit_list, name="audit_list"),
    path("verify/", audit_views.audit_verify, name="audit_verify"),
    path("export.csv", audit_views.audit_export, name="audit_export"),
    path("patient/<str:patient_id>/", audit_views.audit_patient, name="audit_patient"),
]
