"""On PostgreSQL, append an audit row in one statement: `hms_audit_append(...)` takes the chain's
lock, reads the last entry's hash, hashes the new entry's canonical JSON after it (SHA-256, as
hms.audit.entry_hash does in Python) and inserts the row.

A chart view's audit row took five round trips (BEGIN, the lock, the last hash, the INSERT,
COMMIT; a savepoint pair more inside a service's transaction); now one. Each statement of a
PL/pgSQL function takes a new snapshot under READ COMMITTED, so the last hash is read after the
lock is held and two writers never chain to the same entry (tests/hms/test_audit.py).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION hms_audit_append(
    p_at timestamptz, p_actor_id bigint, p_actor_username text, p_actor_role text,
    p_action text, p_object_type text, p_object_id text, p_object_repr text, p_patient_id text,
    p_before jsonb, p_after jsonb, p_ip text, p_user_agent text, p_canonical_json text
) RETURNS TABLE (entry_id bigint, prev_hash text, entry_hash text) AS $$
DECLARE
    v_prev text;
    v_hash text;
    v_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7410001);
    SELECT a.entry_hash INTO v_prev FROM hms_auditentry a ORDER BY a.id DESC LIMIT 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    v_hash := encode(sha256(convert_to(v_prev || p_canonical_json, 'UTF8')), 'hex');
    INSERT INTO hms_auditentry (
        at, actor_id, actor_username, actor_role, action, object_type, object_id, object_repr,
        patient_id, before, after, ip, user_agent, prev_hash, entry_hash
    ) VALUES (
        p_at, p_actor_id, p_actor_username, p_actor_role, p_action, p_object_type, p_object_id,
        p_object_repr, p_patient_id, p_before, p_after, p_ip, p_user_agent, v_prev, v_hash
    ) RETURNING id INTO v_id;
    RETURN QUERY SELECT v_id, v_prev, v_hash;
END;
$$ LANGUAGE plpgsql;
"""

DROP = "DROP FUNCTION IF EXISTS hms_audit_append(timestamptz, bigint, text, text, text, text, text, text, text, jsonb, jsonb, text, text, text);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("hms", "0004_submission_receipt")]

    operations = [migrations.RunPython(create_function, drop_function)]
