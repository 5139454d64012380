"""Pharmacy and stores."""

from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "pharmacy"
    verbose_name = "Pharmacy and stores"

    def ready(self) -> None:
        # Imported here: other apps' modules can be loaded only once apps are ready.
        from messaging import topics
        from pharmacy import live

        topics.register_all(live.TOPICS)
        # The stay's medication orders reach the discharge order and summary through clinical's
        # registry (wards never imports the pharmacy).
        from clinical import episode_record, prescribing
        from pharmacy.mar_selectors import active_medicines, episode_medications

        episode_record.register_medications("pharmacy", episode_medications)
        # An inpatient's active orders count as running medicines in the prescribing checks
        # (duplicate therapy, interactions), in a consultation as on the medication chart.
        prescribing.register_active_medicines("pharmacy", active_medicines)
        # A prescription written by a doctor appears in the dispensing queue without a reload
        # (clinical never imports pharmacy: the pharmacy listens).
        from django.db.models.signals import post_delete, post_save

        from clinical.models import Prescription

        post_save.connect(
            live.prescription_saved, sender=Prescription, dispatch_uid="pharmacy_rx_saved"
        )
        post_delete.connect(
            live.prescription_saved, sender=Prescription, dispatch_uid="pharmacy_rx_deleted"
        )
