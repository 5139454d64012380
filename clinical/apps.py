from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = "Clinical: patients, appointments, encounters"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from hms import params, rbac
        from messaging import topics

        def doctor_day(user, topic: str) -> bool:
            # doctor.<id>.today: the doctor themself, or anyone who sees every appointment.
            parts = topic.split(".")
            doctor_id = params.db_id(parts[1]) if len(parts) == 3 else None
            if doctor_id is None or parts[2] != "today":
                return False
            scope = rbac.scope(user, "appointments.view")
            if scope == rbac.OWN:  # a doctor's own day (a patient holds no doctor.<id> of theirs)
                return doctor_id == user.pk and rbac.allows(user, "clinical.consult")
            return scope == rbac.ALL

        topics.register("doctor", doctor_day)
