"""The audit log: append-only, hash-chained, and any tampering found by verify_audit."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from hms import audit
from hms.models import AuditEntry


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back, as someone with database access might."""
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = sql.replace("{json}", json_param)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for one session; the chain must still tell.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def three_entries(make_user):
    actor = make_user("admin")  # factories write no audit rows: the log starts empty
    return [
        audit.record(actor=actor, action="test.first", after={"n": 1}),
        audit.record(actor=actor, action="test.second", before={"n": 1}, after={"n": 2}),
        audit.record(actor=actor, action="test.third", after={"price": "12.50"}),
    ]


def test_each_entry_links_to_the_previous_one(three_entries):
    first, second, third = three_entries

    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert audit.verify().ok


def test_an_entry_records_who_what_and_where(rf, make_user):
    nurse = make_user("nurse", username="joseph")
    request = rf.get("/", HTTP_USER_AGENT="Ward tablet", REMOTE_ADDR="10.0.0.7")

    entry = audit.record(
        actor=nurse,
        action="user.update",
        obj=nurse,
        before={"a": 1},
        after={"a": 2},
        request=request,
    )

    entry.refresh_from_db()
    assert (entry.actor_username, entry.actor_role) == ("joseph", "nurse")
    assert entry.object_type == "accounts.User" and entry.object_id == str(nurse.pk)
    assert (entry.ip, entry.user_agent) == ("10.0.0.7", "Ward tablet")
    assert (entry.before, entry.after) == ({"a": 1}, {"a": 2})


def test_an_edited_row_is_found_by_verify_audit(three_entries):
    second = three_entries[1]
    _tamper("UPDATE hms_auditentry SET after = {json} WHERE id = %s", ['{"n": 999}', second.id])

    report = audit.verify()

    assert not report.ok
    assert report.broken_id == second.id
    with pytest.raises(CommandError, match=f"broken at row {second.id}"):
        call_command("verify_audit")


def test_a_deleted_row_is_found_at_the_next_one(three_entries):
    _first, second, third = three_entries
    _tamper("DELETE FROM hms_auditentry WHERE id = %s", [second.id])

    report = audit.verify()

    assert report.broken_id == third.id


def test_a_rewritten_hash_is_found_at_the_next_row(three_entries):
    """Even someone who recomputes the edited row's own hash breaks the link after it."""
    _first, second, third = three_entries
    second.after = {"n": 999}
    forged = audit.entry_hash(second.prev_hash, second)
    _tamper(
        "UPDATE hms_auditentry SET after = {json}, entry_hash = %s WHERE id = %s",
        ['{"n": 999}', forged, second.id],
    )

    assert audit.verify().broken_id == third.id


def test_verify_audit_reports_an_intact_chain(three_entries, capsys):
    call_command("verify_audit")

    assert "intact: 3 rows" in capsys.readouterr().out


def test_the_model_refuses_update_and_delete(three_entries):
    entry = AuditEntry.objects.get(pk=three_entries[0].pk)
    entry.action = "changed"

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.first"


def test_an_entry_of_a_rolled_back_change_is_not_kept(make_user):
    actor = make_user("admin")
    before = AuditEntry.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=actor, action="test.rolled_back")
        raise RuntimeError("the change failed")

    assert AuditEntry.objects.count() == before
    assert audit.verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hms_auditentry SET action = 'x'",
        "DELETE FROM hms_auditentry",
        "TRUNCATE hms_auditentry",
    ],
)
def test_postgres_refuses_update_delete_and_truncate(three_entries, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test database allows Django's flush to truncate; a real one never does.
        cursor.execute("SET LOCAL hms.audit_allow_truncate = 'off'")
        cursor.execute(statement)

    assert AuditEntry.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(make_user):
    actor = make_user("admin")
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor=actor, action=f"test.thread{n}", after={"i": i})
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEntry.objects.filter(action__startswith="test.thread").count() == 40
    assert audit.verify().ok


def test_behind_a_trusted_proxy_the_clients_address_is_recorded(rf, make_user, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3, 127.0.0.1")
    actor = make_user("admin")

    settings.HMS_TRUST_X_FORWARDED_FOR = False
    direct = audit.record(actor=actor, action="test.direct", request=request)
    settings.HMS_TRUST_X_FORWARDED_FOR = True
    proxied = audit.record(actor=actor, action="test.proxied", request=request)

    assert (direct.ip, proxied.ip) == ("127.0.0.1", "10.1.2.3")


@pytest.mark.postgres
def test_on_postgres_an_entry_is_one_statement_with_the_hash_python_makes(
    make_user, django_assert_num_queries
):
    """hms_audit_append takes the lock, chains and inserts in one round trip; the hash it makes
    over the canonical JSON is the one hms.audit.entry_hash makes, accents and all."""
    actor = make_user("admin")
    first = audit.record(actor=actor, action="test.first", after={"name": "Wanjirũ Ng'ang'a"})
    with django_assert_num_queries(1):
        second = audit.record(
            actor=actor, action="test.second", before={"n": 1}, after={"price": "1,250.00 KES"}
        )

    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.prev_hash == first.entry_hash == audit.entry_hash(first.prev_hash, first)
    assert stored.entry_hash == second.entry_hash == audit.entry_hash(stored.prev_hash, stored)
    assert stored.after == {"price": "1,250.00 KES"}
    assert audit.verify().ok
