from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = "Clinical: patients, appointments, encounters"

    def ready(self) -> None:
        from hms import rbac
        from messaging import topics

        def doctor_day(user, topic: str) -> bool:
            # doctor.<id>.today: the doctor themself, or anyone who sees every appointment.
            parts = topic.split(".")
            if len(parts) != 3 or not parts[1].isdigit() or parts[2] != "today":
                return False
            if user.role == rbac.DOCTOR:
                return int(parts[1]) == user.pk
            return rbac.scope(user, "appointments.view") == rbac.ALL

        topics.register("doctor", doctor_day)
