from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging: real-time, notifications, chat"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from messaging import live, topics

        topics.register_all(live.TOPICS)

        from accounts.signals import security_event

        def tell_of_security_event(sender, user, text: str, **kwargs) -> None:
            from messaging.services import notify

            notify(user, text, urgent=True)

        security_event.connect(
            tell_of_security_event, weak=False, dispatch_uid="notify_security_event"
        )
