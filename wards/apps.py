from django.apps import AppConfig


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = "Wards, beds and admissions"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from billing import unposted
        from messaging import topics
        from wards import accrual, live

        topics.register_all(live.TOPICS)
        unposted.register(accrual.unposted_codes)
