"""The offsite copy of the backups, against a real S3 HTTP server (moto's standalone server on
a port of this helper's range): a backup is copied (encrypted only, when a recipient is set);
with the link down the backup itself still succeeds, the hospital keeps working, the copy waits
and is tried again after a growing back-off, and goes through once the link is back. The daily
schedule, the catch-up of a missed backup, and the deployment checks."""

import shutil
import threading
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import boto3
import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from clinical.models import Patient
from hms import backups, tasks
from tests.factories import PatientFactory
from tests.hms.test_restore_drill import assert_same_rows_and_the_log_goes_on, tables

PORTS = range(8300, 8310)


class S3Server:
    """moto's S3 server (moto.server, the app ThreadedMotoServer runs) on a port of this range,
    stopped and started again on the same port: the link going down and coming back. The port
    is bound before the thread starts, so a port another test holds is skipped, not waited on."""

    def __init__(self) -> None:
        # moto keeps its buckets per process, across servers: one bucket per test.
        self.bucket = f"offsite-{uuid.uuid4().hex[:12]}"
        self._server = None
        for port in PORTS:
            try:
                self._listen(port)
            except (OSError, SystemExit):  # werkzeug exits when the port is taken
                continue
            self.port = port
            break
        else:
            pytest.fail(f"no free port in {PORTS.start}..{PORTS.stop - 1}")
        self.url = f"http://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> None:
        self._server = make_server(
            "127.0.0.1",
            port,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def up(self) -> None:
        self._listen(self.port)

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="offsite-test",
            aws_secret_access_key="offsite-test",
        )

    def objects(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def s3(settings, tmp_path):
    server = S3Server()
    server.client().create_bucket(Bucket=server.bucket)
    settings.HMS_BACKUP_DIR = tmp_path / "backups"
    settings.HMS_BACKUP_OFFSITE_BUCKET = server.bucket
    settings.HMS_BACKUP_OFFSITE_PREFIX = "nakuru/"
    settings.HMS_BACKUP_OFFSITE_ENDPOINT_URL = server.url
    settings.HMS_BACKUP_OFFSITE_REGION = "us-east-1"
    settings.HMS_BACKUP_OFFSITE_ACCESS_KEY_ID = "offsite-test"
    settings.HMS_BACKUP_OFFSITE_SECRET_ACCESS_KEY = "offsite-test"
    yield server
    server.down()


@pytest.fixture
def encrypted(settings):
    settings.HMS_BACKUP_RECIPIENTS = [str(pyrage.x25519.Identity.generate().to_public())]


def backed_up() -> str:
    out = StringIO()
    call_command("backup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_copied_offsite_encrypted_with_its_sums_last(s3, encrypted, staff):
    PatientFactory()

    printed = backed_up()

    name = printed.split("backup written: ", 1)[1].splitlines()[0].rsplit("/", 1)[1]
    assert f"offsite: copied {name}" in printed
    written = sorted(path.name for path in (backups.backup_dir() / name).iterdir())
    assert s3.objects() == [f"nakuru/{name}/{file}" for file in written]
    for file in written:  # the same bytes
        copied = s3.client().get_object(Bucket=s3.bucket, Key=f"nakuru/{name}/{file}")
        assert copied["Body"].read() == (backups.backup_dir() / name / file).read_bytes()
    assert [file for file in written if file.startswith("database.")] == [
        "database.pgdump.age" if connection.vendor == "postgresql" else "database.sqlite3.age"
    ]
    status = backups.backup_status()
    assert status.last_offsite_at is not None and status.offsite_waiting == 0
    assert status.last_backup_at == datetime.strptime(name[4:], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=UTC
    )


@pytest.mark.django_db(transaction=True)
def test_with_a_recipient_set_an_old_unencrypted_backup_never_leaves_the_box(s3, settings, staff):
    settings.HMS_BACKUP_OFFSITE_BUCKET = ""
    call_command("backup", stdout=StringIO())  # before encryption was set up
    settings.HMS_BACKUP_OFFSITE_BUCKET = s3.bucket
    settings.HMS_BACKUP_RECIPIENTS = [str(pyrage.x25519.Identity.generate().to_public())]

    report = backups.offsite_push(force=True)

    assert report.uploaded == [] and report.error == "" and s3.objects() == []


@pytest.mark.django_db(transaction=True)
def test_with_the_link_down_the_backup_succeeds_and_the_copy_waits_with_back_off(
    s3, encrypted, staff, client, client_for
):
    s3.down()

    name = tasks.backup_daily.call_local()

    # The backup is written, whole; only its copy waits.
    assert name and (backups.backup_dir() / name / "SHA256SUMS").is_file()
    backups.backup_check(backups.backup_dir() / name)
    status = backups.backup_status()
    assert status.offsite_waiting == 1 and status.last_offsite_at is None
    assert "EndpointConnectionError" in status.offsite_error
    # The hospital keeps working meanwhile.
    assert client.get("/healthz").status_code == 200
    PatientFactory()
    # Not tried again before the back-off: 5 minutes after the first failure, then 10.
    failed_at = datetime.now(UTC)
    assert backups.offsite_push(now=failed_at + timedelta(minutes=4)).skipped.startswith(
        "waiting after a failed upload"
    )
    again = backups.offsite_push(now=failed_at + timedelta(minutes=6))
    assert again.error and again.waiting == 1
    assert backups.offsite_push(now=failed_at + timedelta(minutes=6 + 9)).skipped

    # The administrator sees it on the audit log's page.
    page = client_for(staff.admin).get(reverse("audit_list")).content.decode()
    assert f"Last backup: {timezone.localtime(status.last_backup_at):%d %b %Y %H:%M}" in page
    assert "not copied offsite yet (1 waiting: " in page and "EndpointConnectionError" in page

    s3.up()  # the link is back
    assert s3.objects() == []
    done = backups.offsite_push(now=failed_at + timedelta(minutes=6 + 11))

    assert done.uploaded == [name] and done.error == "" and done.waiting == 0
    assert f"nakuru/{name}/SHA256SUMS" in s3.objects()
    status = backups.backup_status()
    assert status.offsite_waiting == 0 and status.offsite_error == ""
    assert status.last_offsite_at is not None
    # Copied once: the next try has nothing to send.
    assert backups.offsite_push(force=True).uploaded == []


@pytest.mark.django_db(transaction=True)
def test_the_backup_command_says_the_copy_failed_but_succeeds(s3, staff):
    s3.down()

    printed = backed_up()

    assert "backup written: " in printed
    assert "offsite: copy failed, 1 backup(s) wait for the next try" in printed
    assert "note: not encrypted" in printed


def test_the_daily_backup_runs_at_its_time_in_the_hospitals_zone(settings):
    settings.TIME_ZONE = "Africa/Nairobi"
    settings.HMS_BACKUP_AT = "02:30"

    assert tasks.at_backup_time(datetime(2026, 12, 1, 23, 30))  # 02:30 in Nairobi (UTC+3)
    assert not tasks.at_backup_time(datetime(2026, 12, 1, 2, 30))
    settings.HMS_BACKUP_AT = "off"
    assert not tasks.at_backup_time(datetime(2026, 12, 1, 23, 30))


@pytest.mark.django_db(transaction=True)
def test_a_backup_missed_while_the_box_was_off_is_made_at_the_next_look(settings, tmp_path):
    settings.HMS_BACKUP_DIR = tmp_path / "backups"
    settings.HMS_BACKUP_OFFSITE_BUCKET = ""
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    (tmp_path / "backups" / f"hms-{two_days_ago:%Y%m%dT%H%M%SZ}").mkdir(parents=True)

    made = tasks.backup_overdue_and_offsite.call_local()

    assert made.startswith("hms-") and (tmp_path / "backups" / made / "INFO").is_file()
    # Within the day: nothing more to make, nothing to copy.
    assert tasks.backup_overdue_and_offsite.call_local() == "copied 0"


def deploy_check_ids(settings) -> set[str]:
    settings.PRODUCTION = True
    try:
        call_command("check", "--deploy", "--fail-level", "WARNING", stdout=StringIO())
    except SystemCheckError as error:
        return {id_ for id_ in ("hms.W001", "hms.W002", "hms.E001") if id_ in str(error)}
    return set()


def test_check_deploy_warns_of_unencrypted_backups_and_no_offsite_copy(settings):
    settings.HMS_BACKUP_RECIPIENTS = []
    settings.HMS_BACKUP_RECIPIENT_FILE = ""
    settings.HMS_BACKUP_OFFSITE_BUCKET = ""
    settings.HMS_BACKUP_OFFSITE_BY_HAND = False
    assert deploy_check_ids(settings) == {"hms.W001", "hms.W002"}

    settings.HMS_BACKUP_RECIPIENTS = [str(pyrage.x25519.Identity.generate().to_public())]
    settings.HMS_BACKUP_OFFSITE_BY_HAND = True
    assert deploy_check_ids(settings) == set()


def test_a_recipient_that_is_not_a_public_key_is_an_error(settings, tmp_path):
    recipients = tmp_path / "recipients.txt"
    recipients.write_text("# the hospital's backup key\nAGE-SECRET-KEY-1NOTAPUBLICKEY\n")
    settings.HMS_BACKUP_RECIPIENT_FILE = str(recipients)
    settings.HMS_BACKUP_OFFSITE_BY_HAND = True
    settings.HMS_BACKUP_DIR = tmp_path / "backups"

    assert "hms.E001" in deploy_check_ids(settings)
    with pytest.raises(backups.BackupError, match="not an age or SSH public key"):
        backups.backup_create()
    assert not (tmp_path / "backups").exists()  # nothing written


@pytest.mark.django_db(transaction=True)
def test_a_new_box_restores_the_latest_offsite_copy_with_the_secret_key(
    s3, settings, staff, tmp_path
):
    identity = pyrage.x25519.Identity.generate()
    settings.HMS_BACKUP_RECIPIENTS = [str(identity.to_public())]
    secret = tmp_path / "offbox.agekey"
    secret.write_text(f"{identity}\n")
    patient = PatientFactory()
    before = tables()
    written = backed_up().split("backup written: ", 1)[1].splitlines()[0]
    # The box burns: database and backups gone; a new box with the same settings.
    shutil.rmtree(backups.backup_dir())
    call_command("flush", interactive=False, verbosity=0)

    call_command(
        "restore",
        "latest",
        "--from-offsite",
        "--identity",
        str(secret),
        "--yes",
        "--no-safety-backup",
        stdout=StringIO(),
    )

    assert_same_rows_and_the_log_goes_on(before, written.rsplit("/", 1)[-1])
    assert Patient.objects.get(pk=patient.pk).last_name == patient.last_name
    # What came from the bucket is not sent back.
    assert backups.offsite_waiting() == []
