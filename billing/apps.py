from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: charges, invoices, payments"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from billing import live
        from messaging import topics

        topics.register_all(live.TOPICS)
