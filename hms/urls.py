"""Every URL of the project. Each view declares its capability (hms.rbac); a test walks them all.

Apps are included by module name, so the core package imports none of them.
"""

from django.urls import include, path

from hms import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("activity/", views.activity, name="activity"),
    path("", include("accounts.urls")),
    path("patients/", include("clinical.urls")),
    path("appointments/", include("clinical.appointment_urls")),
    path("wards/", include("wards.urls")),
    path("billing/", include("billing.urls")),
    path("lab/", include("lab.urls")),
    path("engineering/", include("engineering.urls")),
    path("pharmacy/", include("pharmacy.urls")),
    path("hr/", include("hr.urls")),
    path("queue/", include("queues.urls")),
    path("audit/", include("reports.urls")),
    path("analytics/", include("reports.analytics_urls")),
    path("notifications/", include("messaging.urls")),
    path("chat/", include("messaging.chat_urls")),
    # The JSON API: each app's api_urls, and the schema with its page for administrators.
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("clinical.api_urls")),
    path("api/v1/", include("lab.api_urls")),
    path("api/v1/", include("billing.api_urls")),
    path("api/v1/", include("messaging.api_urls")),
    path("api/v1/", include("wards.api_urls")),
    path("api/v1/", include("engineering.api_urls")),
    path("api/v1/schema/", views.ApiSchema.as_view(), name="api_schema"),
    path("api/v1/docs/", views.ApiDocs.as_view(url_name="api_schema"), name="api_docs"),
    # FHIR R4 (docs/API.md): each app's fhir_urls, under the JSON API's permissions.
    path("fhir/", include("clinical.fhir_urls")),
    path("fhir/", include("lab.fhir_urls")),
    path("fhir/", include("wards.fhir_urls")),
]

handler403 = "hms.views.permission_denied"
handler404 = "hms.views.page_not_found"
handler500 = "hms.views.server_error"
