"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE of audit rows in the database itself.

A test database may allow TRUNCATE (Django's test flush) by setting hms.audit_allow_truncate=on
for that database only; production databases never have it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION hms_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('hms.audit_allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'hms_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER hms_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON hms_auditentry
    FOR EACH ROW EXECUTE FUNCTION hms_audit_refuse_change();

CREATE TRIGGER hms_audit_no_truncate
    BEFORE TRUNCATE ON hms_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION hms_audit_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS hms_audit_no_truncate ON hms_auditentry;
DROP TRIGGER IF EXISTS hms_audit_no_update_delete ON hms_auditentry;
DROP FUNCTION IF EXISTS hms_audit_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("hms", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
