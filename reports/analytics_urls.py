"""The analytics dashboard's URLs (mounted at /analytics/ by hms/urls.py)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.analytics_dashboard, name="analytics_dashboard"),
    path("export.csv", views.analytics_csv, name="analytics_csv"),
    path("workbook.xlsx", views.analytics_xlsx, name="analytics_xlsx"),
]
