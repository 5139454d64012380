"""The restore drill: a hospital's records and files are backed up, wiped, and restored; every
table comes back with the same rows (counted and checksummed table by table), the files with the
same bytes, and the audit chain still verifies. Through the scripts (deploy/backup/backup.sh and
restore.sh), through `manage.py backup` / `restore`, each restoring what the other wrote, and
encrypted with age (restored with the secret key the box does not hold). A backup that was
altered after it was written, or that the key given cannot open, is refused before anything is
touched. On the embedded database (SQLite's online backup) and on PostgreSQL (pg_dump's custom
format), as each CI pass runs."""

import hashlib
import os
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pyrage
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from billing.models import Payment
from hms import audit
from hms.models import AuditEntry
from tests.factories import PatientFactory, invoice_issued, payment_taken

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "deploy" / "backup"


def tables() -> dict[str, tuple[int, str]]:
    """Every table of the project: (row count, SHA-256 of its rows in primary-key order)."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        rows = list(model._base_manager.order_by("pk").values_list())
        found[model._meta.db_table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


AUDIT_TABLE = "hms_auditentry"


def assert_same_rows_and_the_log_goes_on(before: dict, backup: str) -> None:
    """Every table as it was when the backup was taken, table by table, except the audit log,
    which holds two entries more: the backup taken (inside the backup) and the restore (written
    after it), and whose chain still verifies against the signed checkpoint."""
    after = tables()
    assert {table: rows for table, rows in after.items() if table != AUDIT_TABLE} == {
        table: rows for table, rows in before.items() if table != AUDIT_TABLE
    }
    assert after[AUDIT_TABLE][0] == before[AUDIT_TABLE][0] + 2
    newest = AuditEntry.objects.order_by("-id").values_list("action", "object_id", "actor_username")
    assert list(newest[:2]) == [
        ("backup.restored", backup, "system"),
        ("backup.created", backup, "system"),
    ]
    report = audit.verify()
    assert report.ok and report.matches_checkpoint
    assert report.checked == before[AUDIT_TABLE][0] + 2


def script_environment(tmp_path: Path) -> dict[str, str]:
    """What the scripts read: the test's own database, private files folder and backup folder."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "LANG")
    }
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        user = database.get("USER") or "postgres"
        host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
        environment["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{database['NAME']}"
        if database.get("PASSWORD"):
            environment["PGPASSWORD"] = database["PASSWORD"]
    else:
        environment["HMS_SQLITE_PATH"] = str(database["NAME"])
    environment["HMS_PRIVATE_ROOT"] = settings.STORAGES["default"]["OPTIONS"]["location"]
    environment["BACKUP_DIR"] = str(tmp_path / "backups")
    environment["HMS_AUDIT_CHECKPOINTS"] = str(settings.HMS_AUDIT_CHECKPOINTS)
    environment["HMS_AUDIT_CHECKPOINT_KEY_FILE"] = str(settings.HMS_AUDIT_CHECKPOINT_KEY_FILE)
    for name in list(environment):
        if name.startswith(("HMS_BACKUP_", "BACKUP_KEEP")) or name == "AWS_STORAGE_BUCKET_NAME":
            del environment[name]
    return environment


def run(script: str, *arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    connection.close()  # the scripts replace the database under this process
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def hospital(staff, charge_master):
    """A day at the desk through the services (audited), and a private file."""
    for amount in ("500", "200"):
        invoice = invoice_issued(staff.receptionist, PatientFactory(), "NURS-DRESS")
        payment_taken(staff.receptionist, invoice, amount)
    default_storage.save("documents/referral.txt", ContentFile(b"Referral letter, page 1\n"))


def backed_up_into(folder: Path, environment: dict[str, str]) -> Path:
    """Run backup.sh; the backup it wrote."""
    done = run("backup.sh", environment={**environment, "BACKUP_DIR": str(folder)})
    assert done.returncode == 0, done.stderr
    written = done.stdout.split("backup written: ", 1)[1].splitlines()[0]
    return Path(written)


def backed_up(tmp_path: Path, environment: dict[str, str]) -> Path:
    written = backed_up_into(tmp_path / "backups", environment)
    assert list((tmp_path / "backups").glob("hms-*")) == [written]
    return written


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_table_every_file_and_the_audit_chain(hospital, tmp_path):
    before = tables()
    assert before[Payment._meta.db_table][0] == 2
    assert audit.verify().ok
    environment = script_environment(tmp_path)
    backup = backed_up(tmp_path, environment)

    # Disaster: the records and the files are gone.
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete("documents/referral.txt")
    assert Payment.objects.count() == 0 and not default_storage.exists("documents/referral.txt")

    done = run("restore.sh", "--yes", "--no-safety-backup", str(backup), environment=environment)
    assert done.returncode == 0, done.stderr

    assert_same_rows_and_the_log_goes_on(before, backup.name)
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [
        Decimal("200.00"),
        Decimal("500.00"),
    ]
    with default_storage.open("documents/referral.txt") as restored:
        assert restored.read() == b"Referral letter, page 1\n"


@pytest.mark.django_db(transaction=True)
def test_an_altered_backup_is_refused_and_nothing_is_touched(hospital, tmp_path):
    environment = script_environment(tmp_path)
    backup = backed_up(tmp_path, environment)
    before = tables()
    database_file = next(backup.glob("database.*"))
    with database_file.open("r+b") as damaged:
        damaged.seek(200)
        damaged.write(b"\x00garbage\x00")

    done = run("restore.sh", "--yes", "--no-safety-backup", str(backup), environment=environment)

    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr or "checksum" in (done.stdout + done.stderr)
    assert tables() == before


@pytest.mark.django_db(transaction=True)
def test_old_backups_are_thinned_to_7_days_4_weeks_and_12_months(tmp_path):
    """Grandfather-father-son: after a backup, the newest of each of the last 7 days, 4 ISO
    weeks and 12 months stay; labelled ones (pre-restore) always stay."""
    folder = tmp_path / "backups"
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    for back in range(800):  # two backups a day for 800 days
        day = yesterday - timedelta(days=back)
        for hour in ("023000", "140000"):
            (folder / f"hms-{day:%Y%m%d}T{hour}Z").mkdir(parents=True)
    (folder / f"hms-{yesterday - timedelta(days=500):%Y%m%d}T090000Z-pre-restore").mkdir()

    backed_up_now = backed_up_into(folder, script_environment(tmp_path))

    kept = sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))
    dated = [name for name in kept if name.endswith("Z")]
    days = {name[4:12] for name in dated}
    today = datetime.now(UTC).date()
    # The 7 newest days (today's new backup and the 6 days before it), each by its newest.
    newest_days = [f"{today - timedelta(days=n):%Y%m%d}" for n in range(7)]
    assert set(newest_days) <= days
    assert all(f"hms-{day}T023000Z" not in kept for day in newest_days[1:])
    # One per month for the last 12 months, none older (beyond the weeks' and days').
    months = {name[4:10] for name in dated}
    assert len(months) == 12
    assert min(days) >= f"{today - timedelta(days=370):%Y%m%d}"
    assert len(dated) <= 7 + 4 + 12
    assert backed_up_now.name in kept
    assert any(name.endswith("-pre-restore") for name in kept)


def age_key_pair(tmp_path: Path) -> tuple[str, Path]:
    """An age key pair as `age-keygen` makes it on the administrator's own machine: the public
    recipient (for the box's settings) and the secret key's file (kept off the box)."""
    identity = pyrage.x25519.Identity.generate()
    secret = tmp_path / "offbox" / "hms-backup.agekey"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
    return str(identity.to_public()), secret


def backed_up_by_command(folder: Path, settings) -> Path:
    settings.HMS_BACKUP_DIR = folder
    out = StringIO()
    call_command("backup", "--no-offsite", stdout=out)
    return Path(out.getvalue().split("backup written: ", 1)[1].splitlines()[0])


def disaster() -> None:
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete("documents/referral.txt")
    assert Payment.objects.count() == 0 and not default_storage.exists("documents/referral.txt")


def assert_restored(before: dict, backup: Path) -> None:
    assert_same_rows_and_the_log_goes_on(before, backup.name)
    with default_storage.open("documents/referral.txt") as restored:
        assert restored.read() == b"Referral letter, page 1\n"


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_by_the_command_restores_only_with_the_secret_key(
    hospital, tmp_path, settings
):
    recipient, secret = age_key_pair(tmp_path)
    settings.HMS_BACKUP_RECIPIENTS = [recipient]
    before = tables()
    backup = backed_up_by_command(tmp_path / "backups", settings)

    # Nothing readable leaves the box: the database and the files are age files.
    names = sorted(path.name for path in backup.iterdir())
    assert names == [
        "INFO",
        "SHA256SUMS",
        "audit-checkpoints.jsonl",
        f"database.{'pgdump' if connection.vendor == 'postgresql' else 'sqlite3'}.age",
        "private.tar.gz.age",
    ]
    for encrypted in backup.glob("*.age"):
        assert encrypted.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert b"Referral letter" not in (backup / "private.tar.gz.age").read_bytes()
    assert "encryption: age, 1 recipient(s)" in (backup / "INFO").read_text()
    disaster()
    wiped = tables()

    with pytest.raises(CommandError, match="encrypted: give the age secret key"):
        call_command("restore", str(backup), "--yes", "--no-safety-backup", stdout=StringIO())
    _, stranger = age_key_pair(tmp_path / "stranger")
    with pytest.raises(CommandError, match="cannot be decrypted with that key"):
        call_command(
            "restore", str(backup), "--yes", "--no-safety-backup", "--identity", str(stranger)
        )
    assert tables() == wiped  # refused before anything was touched

    call_command(
        "restore",
        str(backup),
        "--yes",
        "--no-safety-backup",
        "--identity",
        str(secret),
        stdout=StringIO(),
    )

    assert_restored(before, backup)


@pytest.mark.django_db(transaction=True)
def test_the_script_restores_what_the_command_wrote_and_keeps_the_state_it_replaced(
    hospital, tmp_path, settings
):
    before = tables()
    backup = backed_up_by_command(tmp_path / "backups", settings)
    disaster()

    done = run("restore.sh", "--yes", str(backup), environment=script_environment(tmp_path))

    assert done.returncode == 0, done.stderr
    assert_restored(before, backup)
    # The way back: the wiped state was backed up first, labelled, beside the restored one.
    safety = Path(done.stdout.split("the state before the restore: ", 1)[1].splitlines()[0])
    assert safety.name.endswith("-pre-restore") and safety.parent == backup.parent


@pytest.mark.django_db(transaction=True)
def test_the_command_restores_what_the_script_wrote_encrypted(hospital, tmp_path):
    recipient, secret = age_key_pair(tmp_path)
    before = tables()
    environment = {**script_environment(tmp_path), "HMS_BACKUP_RECIPIENT": recipient}
    backup = backed_up(tmp_path, environment)
    assert not (backup / "private.tar.gz").exists() and (backup / "private.tar.gz.age").exists()
    disaster()

    call_command(
        "restore",
        str(backup),
        "--yes",
        "--no-safety-backup",
        "--identity",
        str(secret),
        stdout=StringIO(),
    )

    assert_restored(before, backup)
