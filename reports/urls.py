from django.urls import path

from reports import views

urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("verify/", views.audit_verify, name="audit_verify"),
]
