from django.apps import AppConfig

URGENT_POPUP_SESSION_KEY = "messaging.urgent_popup"


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

            notify(user, text, urgent=True, kind="security")

        from django.contrib.auth.signals import user_logged_in

        def pop_up_urgent_at_sign_in(sender, request, user, **kwargs) -> None:
            # The next full page shows what urgent arrived while the person was away
            # (messaging.context_processors); asked once here, so that a sign-in with nothing
            # waiting costs the pages nothing.
            from messaging.models import Notification

            if request is None or not hasattr(request, "session"):
                return
            if Notification.objects.filter(
                recipient=user, urgent=True, acknowledged_at__isnull=True
            ).exists():
                request.session[URGENT_POPUP_SESSION_KEY] = True

        user_logged_in.connect(
            pop_up_urgent_at_sign_in, weak=False, dispatch_uid="pop_up_urgent_at_sign_in"
        )

        security_event.connect(
            tell_of_security_event, weak=False, dispatch_uid="notify_security_event"
        )
