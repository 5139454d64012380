from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: charges, invoices, payments"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from hms import rbac
        from messaging import topics

        # account.<patient id>: one patient's account; billing: the desk's outstanding list.
        def billing_desk(user, topic: str) -> bool:
            return rbac.scope(user, "billing.invoices") == rbac.ALL

        topics.register("account", billing_desk)
        topics.register("billing", billing_desk)
