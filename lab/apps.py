"""Lab and imaging tests."""

from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "lab"
    verbose_name = "Lab and imaging tests"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from clinical import timeline
        from lab import live
        from lab.selectors import TIMELINE_SOURCE
        from messaging import topics

        topics.register_all(live.TOPICS)
        # A machine going down or coming back shows on the lab's banner (lab.live.machine_saved).
        from django.db.models.signals import post_save

        from engineering.models import Machine

        post_save.connect(live.machine_saved, sender=Machine, dispatch_uid="lab_machine_saved")
        timeline.register(TIMELINE_SOURCE)
        # A discharge waits for the stay's tests not yet resulted: each is cancelled or carried
        # over to outpatient follow-up (wards asks clinical's registry, never lab).
        from clinical import open_orders
        from lab.services import OPEN_ORDER_SOURCE

        open_orders.register(OPEN_ORDER_SOURCE)
        # The discharge summary lists the episode's investigations with their results and flags.
        from clinical import episode_record
        from lab.selectors import episode_investigations

        episode_record.register_investigations("lab", episode_investigations)
        # Patient/$everything (FHIR) includes the results and reports (clinical's registry).
        from clinical import fhir as clinical_fhir
        from lab import fhir as lab_fhir

        clinical_fhir.register_everything(lab_fhir.everything)
