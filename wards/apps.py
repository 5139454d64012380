from django.apps import AppConfig


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = "Wards, beds and admissions"
