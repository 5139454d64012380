from django.apps import AppConfig


class EngineeringConfig(AppConfig):
    name = "engineering"
    verbose_name = "Engineering: machines and maintenance"
