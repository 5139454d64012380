"""The pharmacy's screens (each view declares its capability: tests/hms/test_permissions.py).

Each part adds its own: formulary_urls, stock_urls, dispensing_urls, mar_urls."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("pharmacy.formulary_urls")),
    path("", include("pharmacy.stock_urls")),
    path("", include("pharmacy.dispensing_urls")),
    path("", include("pharmacy.mar_urls")),
]
