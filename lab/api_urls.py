"""The lab part of the JSON API (/api/v1/)."""

from django.urls import path

from lab import api

urlpatterns = [
    path("me/results/", api.MyResults.as_view(), name="api_my_results"),
    path("results/<int:pk>/report/", api.ResultReport.as_view(), name="api_result_report"),
    path("lab/worklist/", api.Worklist.as_view(), name="api_lab_worklist"),
    path("lab/orders/<int:pk>/advance/", api.Advance.as_view(), name="api_lab_advance"),
]
