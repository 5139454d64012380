from django.apps import AppConfig


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = "Wards, beds and admissions"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from hms import rbac
        from messaging import topics
        from wards.views import BOARD_SCOPES

        topics.register(
            "beds",
            lambda user, topic: (
                topic == "beds"
                and rbac.allows(user, "patients.view_chart")
                and rbac.scope(user, "patients.view_chart") in BOARD_SCOPES
            ),
        )
