from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _search_threshold(sender, connection, **kwargs) -> None:
    """pg_trgm's `%>` (a typed word close to a word of the name) at clinical.search's threshold:
    its default (0.6) misses a name with two letters wrong. Once per connection, not per search."""
    if connection.vendor == "postgresql":
        from clinical.search import WORD_SIMILARITY

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(WORD_SIMILARITY)],
            )


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = "Clinical: patients, appointments, encounters"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from clinical import live
        from messaging import topics

        topics.register_all(live.TOPICS)
        connection_created.connect(_search_threshold, dispatch_uid="clinical_search_threshold")
