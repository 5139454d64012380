"""On PostgreSQL, trigram indexes make `name contains …` and `phone contains …` searches use an
index (fast on 100,000 patients). SQLite has no such index: the embedded mode scans, which is
fast enough at its scale."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS patient_name_key_trgm
    ON clinical_patient USING gin (name_key gin_trgm_ops);
CREATE INDEX IF NOT EXISTS patient_phone_digits_trgm
    ON clinical_patient USING gin (phone_digits gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS patient_phone_digits_trgm;
DROP INDEX IF EXISTS patient_name_key_trgm;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
