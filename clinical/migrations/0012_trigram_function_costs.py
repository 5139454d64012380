"""On PostgreSQL, tell the planner what pg_trgm's similarity operators cost.

pg_trgm declares `%`, `<%` and `%>` (similarity_op, word_similarity_op,
word_similarity_commutator_op) at COST 1, the price of comparing two integers; each call really
compares two sets of trigrams, ~1.4 µs a row on the bench machine. So for a short typed word
matching 1,300 of 50,000 patients the planner preferred reading every row and calling `%>` on each
(69 ms) to the trigram index of migration 0002 (14 ms). At COST 100 it takes the index
(tests/bench/pages.py --large, docs/BENCHMARKS.md).

The functions belong to the extension, and on PostgreSQL 13+ a trusted extension created by an
ordinary database owner gives them to the bootstrap superuser: a role that may not alter them
gets a warning naming the statements for an administrator to run once (docs/DEPLOYMENT.md,
step 4, runs them before the first migration).
"""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)

FUNCTIONS = [
    "similarity_op(text, text)",
    "word_similarity_op(text, text)",
    "word_similarity_commutator_op(text, text)",
]
CREATE = "".join(f"ALTER FUNCTION {function} COST 100;\n" for function in FUNCTIONS)
DROP = "".join(f"ALTER FUNCTION {function} COST 1;\n" for function in FUNCTIONS)


def _costs_are(schema_editor, cost: int) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = ANY(%s) AND procost <> %s",
            [[function.split("(")[0] for function in FUNCTIONS], cost],
        )
        return cursor.fetchone()[0] == 0


def _alter(schema_editor, statements: str, cost: int) -> None:
    if schema_editor.connection.vendor != "postgresql" or _costs_are(schema_editor, cost):
        return  # (set already, e.g. by an administrator: deploy's step 4)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT hms_trigram_costs")
        try:
            cursor.execute(statements)
        except Exception as error:  # not the owner: the search still works, only slower
            cursor.execute("ROLLBACK TO SAVEPOINT hms_trigram_costs")
            logger.warning(
                "Could not set pg_trgm's function costs (%s). As a superuser, run once: %s",
                error,
                " ".join(statements.split()),
            )
        cursor.execute("RELEASE SAVEPOINT hms_trigram_costs")


def create(apps, schema_editor):
    _alter(schema_editor, CREATE, 100)


def drop(apps, schema_editor):
    _alter(schema_editor, DROP, 1)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0011_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
