from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = "Queue: tickets, service points and waiting-area displays"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from clinical import arrivals
        from messaging import topics
        from queues import live, services

        topics.register_all(live.TOPICS)
        arrivals.register("queue", services.ticket_for_arrival)
        arrivals.register_departure("queue", services.tickets_for_departure)
        arrivals.register_consultation("queue", services.ticket_for_consultation)
