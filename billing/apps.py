from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: charges, invoices, payments"

    def ready(self) -> None:
        from hms import rbac
        from messaging import topics

        # account.<patient id>: the billing desk's live view of one patient's account.
        topics.register(
            "account",
            lambda user, topic: rbac.scope(user, "billing.invoices") == rbac.ALL,
        )
