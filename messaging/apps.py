from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging: real-time, notifications, chat"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from hms import params, rbac
        from messaging import topics
        from messaging.models import ThreadMember

        def thread_member(user, topic: str) -> bool:
            thread_id = params.db_id(topic.partition(".")[2])
            return (
                thread_id is not None
                and rbac.allows(user, "chat.use")
                and ThreadMember.objects.filter(thread_id=thread_id, user=user).exists()
            )

        def may_see_presence(user, topic: str) -> bool:
            from django.contrib.auth import get_user_model

            from messaging import rules

            person_id = params.db_id(topic.partition(".")[2])
            person = get_user_model().objects.filter(pk=person_id).first() if person_id else None
            return person is not None and rules.may_talk(user, person)

        topics.register("thread", thread_member)
        topics.register("presence", may_see_presence)

        from accounts.signals import security_event

        def tell_of_security_event(sender, user, text: str, **kwargs) -> None:
            from messaging.services import notify

            notify(user, text, urgent=True)

        security_event.connect(
            tell_of_security_event, weak=False, dispatch_uid="notify_security_event"
        )
