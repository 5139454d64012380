"""Shared fixtures: the named staff and signed-in clients, PostgreSQL-only tests, the audit
trigger."""

import os
import re
from pathlib import Path

import hypothesis
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from hms import rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory, TOTPDeviceFactory, UserFactory

# Property tests (Hypothesis) with no time limit per example: its default of 200 ms is a
# wall-clock limit, which a box busy with browser tests can overrun with nothing wrong in the
# code. (The lab's age-band property failed once so, beside a browser run; it did not fail
# again in 8 runs and saved no falsifying example, as a timing failure leaves none.)
hypothesis.settings.register_profile("hms", deadline=None, print_blob=True)
hypothesis.settings.load_profile("hms")

ON_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")))


def _remove_stale_sqlite_files() -> None:
    """Test databases of runs that died leave `-wal`/`-shm` files; a later run that gets the same
    process id would fail with "disk I/O error" on them."""
    from django.conf import settings

    folder = Path(settings.VAR_DIR)
    for stale in folder.glob("test-hms-*.sqlite3*"):
        pid = stale.name.removeprefix("test-hms-").split(".")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            alive = int(pid) != os.getpid()
        except OSError:
            alive = False
        if not alive:
            stale.unlink(missing_ok=True)


def pytest_configure(config):
    if not ON_POSTGRES:
        _remove_stale_sqlite_files()
    _commits_without_waiting_for_the_disk()
    _flushes_by_deleting_rows()


# The append-only audit table refuses DELETE in the database itself; the test database lets
# TRUNCATE through (django_db_setup below).
_TRUNCATED_TABLES = {"hms_auditentry"}


def _flushes_by_deleting_rows() -> None:
    """The flush after each transactional test empties the tables with DELETE on PostgreSQL,
    not one TRUNCATE of every table: TRUNCATE makes new files for each of some 150 tables and
    their indexes (0.7 s alone, 3 to 5 s on a busy 2-core box), where the few rows a test leaves
    go in milliseconds. Django's foreign keys are DEFERRABLE INITIALLY DEFERRED and the flush
    runs in one transaction, so the order of the tables does not matter; the audit table is
    truncated first, before any DELETE queues a check on it. Test databases only."""
    if not ON_POSTGRES:
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate_all = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate_all(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        quote = self.quote_name
        first = [f"TRUNCATE {quote(table)};" for table in tables if table in _TRUNCATED_TABLES]
        rest = [
            f"DELETE FROM {quote(table)};" for table in tables if table not in _TRUNCATED_TABLES
        ]
        return first + rest

    DatabaseOperations.sql_flush = sql_flush


def _commits_without_waiting_for_the_disk() -> None:
    """A test database is thrown away, so its commits need not wait for the disk: PostgreSQL's
    synchronous_commit=off, SQLite's synchronous=OFF. Durability knobs only: what a transaction
    sees, locks and constraints are as in production (docs/DECISIONS.md, CI time)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    options = database.setdefault("OPTIONS", {})
    if ON_POSTGRES:
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
    else:
        command = options.get("init_command", "")
        options["init_command"] = command.replace("synchronous=NORMAL", "synchronous=OFF")


def _xdist_groups_kept_together(config, items) -> None:
    """`--dist loadgroup` sends the tests of one `xdist_group` to one worker by adding
    "@<group>" to their node ids. pytest-xdist 3.8 writes that to `item._nodeid`, which pytest 9
    no longer reads (the id is `item._id`), so every group was spread over the workers (the LAN
    install's tests each built a box of their own). Done here as xdist means it, until an xdist
    release does it again."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        if groups and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_collection_modifyitems(config, items):
    """Tests of PostgreSQL behaviour (two real transactions, triggers) run in the PostgreSQL pass
    of CI; on the embedded database they are deselected, not skipped."""
    _xdist_groups_kept_together(config, items)
    if ON_POSTGRES:
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


_test_database_ready = False  # set by django_db_setup below: no check before the database exists


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each test module, every fixture torn down (rollbacks and flushes done), no patient,
    admission or user row is left committed. A test that commits outside its own
    transaction (a thread's connection, a subprocess) would otherwise hand its rows to whichever
    test runs next on the worker: a browser test that counts the ward's patients, say."""
    result = yield
    # Checked where a module ends (its module-scoped rows, a large fixture's, are gone then), not
    # after the last test (the test database is gone with the session).
    if not _test_database_ready or nextitem is None:
        return result
    if getattr(nextitem, "module", None) is getattr(item, "module", None):
        return result
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        if connection.in_atomic_block:
            return result
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM clinical_patient), (SELECT count(*) FROM "
                "wards_admission), (SELECT count(*) FROM accounts_user)"
            )
            left = cursor.fetchone()
    if any(left):
        patients, admissions, users = left
        raise AssertionError(
            f"{item.module.__name__} left behind {patients} patients, {admissions} admissions, {users} "
            "users, committed outside its own transaction"
        )
    return result


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, always; and let Django's test flush TRUNCATE its audit table (only
    there).

    pytest-django creates the test database only when a collected test declares it (a `db` or
    `transactional_db` fixture, a django_db marker). The browser walks reach it through
    module-scoped fixtures of their own instead (`walked_hospital`), so a run of such a module
    alone was left on the settings' own database: the developer's `make run` hospital, which the
    walk would have seeded and then flushed (it stopped at "no such table" on a fresh checkout).
    Whatever was collected, every test's database is the test database."""
    from django.test.utils import setup_databases, teardown_databases

    global _test_database_ready
    ours = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
            ours = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    _test_database_ready = True
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER DATABASE \"{name}\" SET hms.audit_allow_truncate = 'on'"  # noqa: S608
                )
            connection.close()
    yield
    if ours is not None:
        with django_db_blocker.unblock():
            teardown_databases(ours, verbosity=0)


@pytest.fixture
def make_user(db):
    """make_user(role, **fields): a user of that role with password tests.factories.PASSWORD."""

    def make(role: str = rbac.NURSE, **fields):
        return UserFactory(role=role, **fields)

    return make


def _named(role: str, first_name: str, last_name: str):
    return UserFactory(
        role=role,
        username=f"{first_name}.{last_name}".lower(),
        first_name=first_name,
        last_name=last_name,
    )


class Staff:
    """The hospital's named people, one per role (`staff.doctor` is Dr Amina Odhiambo), all
    there from the start as the hospital's staff would be. A second doctor and a second patient
    are there for "own records only" tests: a colleague's notes, another patient's ids."""

    def __init__(self) -> None:
        self.admin = _named(rbac.ADMIN, "Wanjiku", "Kamau")
        self.doctor = _named(rbac.DOCTOR, "Amina", "Odhiambo")
        self.second_doctor = _named(rbac.DOCTOR, "Hassan", "Omar")
        self.nurse = _named(rbac.NURSE, "Grace", "Wanjiru")
        self.receptionist = _named(rbac.RECEPTIONIST, "Brian", "Kiprono")
        self.lab_technician = _named(rbac.LAB_TECHNICIAN, "Peter", "Mwangi")
        self.engineer = _named(rbac.ENGINEER, "Samuel", "Njoroge")
        self.pharmacist = _named(rbac.PHARMACIST, "Faith", "Chebet")
        self.accountant = _named(rbac.ACCOUNTANT, "Joseph", "Mutua")
        # Mary Akinyi signs in to the portal as `patient_user`; `patient` is her record.
        self.patient_user = _named(rbac.PATIENT, "Mary", "Akinyi")
        self.patient = PatientFactory(user=self.patient_user, first_name="Mary", last_name="Akinyi")
        # John Otieno: the ids Mary must never reach.
        self.other_patient_user = _named(rbac.PATIENT, "John", "Otieno")
        self.other_patient = PatientFactory(
            user=self.other_patient_user, first_name="John", last_name="Otieno"
        )

    def of_role(self, role: str):
        """The named user of `role` (for the patient role, Mary's portal sign-in)."""
        return self.patient_user if role == rbac.PATIENT else getattr(self, role)


@pytest.fixture
def staff(db) -> Staff:
    """The hospital's named people (see Staff); a module with its own `staff` overrides it."""
    return Staff()


@pytest.fixture
def role_users(staff) -> dict:
    """One named user per role, by role."""
    return {role: staff.of_role(role) for role in rbac.ROLES}


# A random token in a page (a CSRF or one-time form token, a signed link): 20 or more
# letters, digits, "_", "-" or ":" with at least one digit. Words and identifiers have none.
_RANDOM_TOKEN = re.compile(r"[A-Za-z0-9_:-]*[0-9][A-Za-z0-9_:-]*")


def without_random_tokens(page: str) -> str:
    """`page` with each random token replaced by "TOKEN", so that a test asserting a word is
    absent ("upi", "cdn") is not failed by a token that happens to spell it (CI, stop 43: a
    signed PDF link held "…vupipuf645s")."""
    return _RANDOM_TOKEN.sub(lambda m: "TOKEN" if len(m.group(0)) >= 20 else m.group(0), page)


def sign_in(client: Client, user) -> Client:
    """Sign `user` in on `client`, second factor included where the role requires one."""
    client.force_login(user)
    if user.second_factor_required:
        device = TOTPDeviceFactory(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def audit_rows_besides_refusals() -> int:
    """Audit rows other than refusals (access.denied is how a 403 is recorded): a refused action
    leaves this count as it was."""
    return AuditEntry.objects.exclude(action__startswith="access.denied").count()


@pytest.fixture
def client_for(db):
    """client_for(user): a fresh test client signed in as `user`."""

    def make(user) -> Client:
        return sign_in(Client(), user)

    return make


def _clear_cache() -> None:
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        # django-redis: only this run's keys (its KEY_PREFIX); FLUSHDB would wipe whatever else
        # shares the Redis database.
        cache.delete_pattern("*", itersize=1000)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and presence live in the cache: each test starts with none."""
    _clear_cache()
    yield
    _clear_cache()


def private_file_storages(root: Path) -> dict:
    """settings.STORAGES with the uploaded and generated files under `root`/private."""
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "private"), "base_url": None},
        },
    }


def private_file_settings(root: Path) -> dict:
    """The settings that put a test's files under `root`: uploads and generated files, the audit
    checkpoints and their key (hms.audit: no test sees another's checkpoint), and the backups
    beside them (hms.backups: no test writes or reads var/backups)."""
    return {
        "STORAGES": private_file_storages(root),
        "HMS_AUDIT_CHECKPOINTS": root / "backups" / "audit-checkpoints.jsonl",
        "HMS_BACKUP_DIR": root / "backups",
        "HMS_AUDIT_CHECKPOINT_KEY_FILE": root / "audit-checkpoint.key",
    }


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded and generated files of a test go to its own temporary folder."""
    for name, value in private_file_settings(tmp_path).items():
        setattr(settings, name, value)


@pytest.fixture
def charge_master(db):
    """The demo charge master (ward, consultation, nursing items): what posting needs to exist."""
    from billing import demo

    demo.seed(lambda line: None)


@pytest.fixture
def midday():
    """Noon today in the hospital's time zone, the clock running. A test that books "today, in a
    few minutes" from the real clock books tomorrow (or yesterday) late in a Nairobi evening, which
    is when CI often runs; under this fixture "today" has hours on both sides."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield noon


@pytest.fixture
def store_down(settings):
    """Private files go to an S3 bucket that cannot be reached (nothing listens on port 1: a real,
    refused connection, at once), as when the bucket's service or the link to it is down."""
    from botocore.config import Config

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "hms-private",
                "endpoint_url": "http://127.0.0.1:1",
                "region_name": "us-east-1",
                "access_key": "down",
                "secret_key": "down",
                "default_acl": "private",
                "file_overwrite": False,
                "client_config": Config(retries={"max_attempts": 1, "mode": "standard"}),
            },
        },
    }
    yield
