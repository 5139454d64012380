"""Backups of HMS and their restore: the one implementation behind `manage.py backup`,
`manage.py restore`, the Huey worker's daily backup (hms.tasks) and deploy/backup/*.sh.

A backup is a folder BACKUP_DIR/hms-<UTC time>[-label] holding
  database.pgdump (`pg_dump --format=custom`) or database.sqlite3 (SQLite's online backup API),
  private.tar.gz (the private files folder, unless the files live in S3),
  audit-checkpoints.jsonl (the signed audit checkpoints, one written just before the dump),
  INFO (what, when, from where) and SHA256SUMS (`sha256sum --check` reads it).
With age recipients configured (settings.HMS_BACKUP_RECIPIENTS / _RECIPIENT_FILE) the database
and the private files are stored encrypted as `<name>.age` (https://age-encryption.org, readable
by the `age` tool as well); the box never holds the secret key, a restore is given it.

The offsite copy (settings.HMS_BACKUP_OFFSITE_BUCKET) is a queue kept on disk: every backup
folder without a `.offsite/<name>.done` mark is waiting. `offsite_push` uploads the waiting ones,
newest first; when the link is down it records the failure and waits (5 minutes, doubling up to
6 hours) before the next try. A failed upload never fails or undoes the backup itself.
"""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from hms import audit

logger = logging.getLogger(__name__)

DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
PRIVATE_FILES = "private.tar.gz"
CHECKPOINTS = "audit-checkpoints.jsonl"
ENCRYPTED_SUFFIX = ".age"
OFFSITE_FOLDER = ".offsite"
LOCK_FILE = ".backup.lock"
# The offsite queue's wait after the n-th failure in a row: 5 minutes doubling, at most 6 hours.
OFFSITE_FIRST_WAIT = timedelta(minutes=5)
OFFSITE_LONGEST_WAIT = timedelta(hours=6)
# A day and an hour without a backup: the nightly one was missed (the box was off, say).
BACKUP_OVERDUE = timedelta(hours=25)


class BackupError(Exception):
    """A backup cannot be written or restored: another backup is running, a tool is missing,
    the backup's checksums do not match, it is encrypted and no key opens it, or it is of the
    other kind of database. The message says what, for the person at the console."""


@dataclass
class Backup:
    """A backup written by `backup_create`: its folder, whether it is encrypted, and what was
    left out (`notes`, one sentence each)."""

    path: Path
    encrypted: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class OffsiteReport:
    """What one `offsite_push` did: the backups it copied (names), the one it failed on and why
    (`error`, empty when none), and how many still wait (`waiting`). `skipped`: why it did not
    try at all (no bucket, waiting out a failure), empty when it tried."""

    uploaded: list[str] = field(default_factory=list)
    error: str = ""
    waiting: int = 0
    skipped: str = ""


@dataclass
class BackupStatus:
    """For the administrator: when the newest backup was written and when a backup last reached
    the offsite bucket (aware UTC, None when never), whether a bucket is set, how many wait for
    it, and the last upload error (empty after a success)."""

    last_backup_at: datetime | None
    last_offsite_at: datetime | None
    offsite_set: bool
    offsite_waiting: int
    offsite_error: str

    @property
    def overdue(self) -> bool:
        """No backup, or none for more than BACKUP_OVERDUE."""
        return self.last_backup_at is None or (
            datetime.now(UTC) - self.last_backup_at > BACKUP_OVERDUE
        )


# --- settings ------------------------------------------------------------------------------------


def backup_dir() -> Path:
    return Path(settings.HMS_BACKUP_DIR)


def recipients() -> list[str]:
    """The age recipients backups are encrypted to: settings.HMS_BACKUP_RECIPIENTS and the lines
    of settings.HMS_BACKUP_RECIPIENT_FILE (blank lines and # comments skipped). Empty: backups are
    written unencrypted. Raises `BackupError` when the file cannot be read."""
    found = list(settings.HMS_BACKUP_RECIPIENTS)
    if settings.HMS_BACKUP_RECIPIENT_FILE:
        path = Path(settings.HMS_BACKUP_RECIPIENT_FILE)
        try:
            text = path.read_text()
        except OSError as error:
            raise BackupError(f"cannot read HMS_BACKUP_RECIPIENT_FILE {path}: {error}") from error
        found += [line.strip() for line in text.splitlines()]
    return [line for line in found if line and not line.startswith("#")]


def age_recipients() -> list:
    """`recipients()` parsed as pyrage recipients. Raises `BackupError` naming the first line
    that is neither an age public key (age1...) nor an SSH public key."""
    import pyrage

    parsed = []
    for line in recipients():
        try:
            if line.startswith("age1"):
                parsed.append(pyrage.x25519.Recipient.from_str(line))
            else:
                parsed.append(pyrage.ssh.Recipient.from_str(line))
        except pyrage.RecipientError as error:
            raise BackupError(f"not an age or SSH public key: {line[:24]}...") from error
    return parsed


def _age_identities(identity_file: Path) -> list:
    import pyrage

    try:
        text = identity_file.read_text()
    except OSError as error:
        raise BackupError(f"cannot read the key file {identity_file}: {error}") from error
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError as error:
                raise BackupError(f"{identity_file} holds a damaged age secret key") from error
    if not identities and "PRIVATE KEY-----" in text:
        try:
            identities.append(pyrage.ssh.Identity.from_buffer(text.encode()))
        except pyrage.IdentityError as error:
            raise BackupError(f"{identity_file}: {error}") from error
    if not identities:
        raise BackupError(f"{identity_file} holds no age secret key (AGE-SECRET-KEY-1...)")
    return identities


def _private_root() -> Path | None:
    """The private files folder when the files are on this disk; None when they are in S3."""
    storage = settings.STORAGES["default"]
    if not storage["BACKEND"].endswith("FileSystemStorage"):
        return None
    return Path(storage["OPTIONS"]["location"])


def _database_kind() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"backups of a {connection.vendor} database are not supported")
    return connection.vendor


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the Django connection (the password never on a command line)."""
    database = connection.settings_dict
    environment = {**os.environ, "PGDATABASE": database["NAME"]}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return environment


def _run(command: list[str], *, environment: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found (Debian: apt-get install postgresql-client)")
    # Fixed tools (pg_dump, psql, pg_restore) with paths we made: no shell, no user input.
    done = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {done.returncode}): {done.stderr.strip()}")


def _sqlite_check(path: Path) -> None:
    with closing(sqlite3.connect(path)) as database:
        result = database.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"SQLite integrity check of {path} failed: {result}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """One backup (or restore) at a time per backup folder: the lock backup.sh always took."""
    with (folder / LOCK_FILE).open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BackupError(f"another backup is running (lock {folder / LOCK_FILE})") from error
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- backup --------------------------------------------------------------------------------------


def backup_create(
    *, label: str = "", keep_all: bool = False, now: datetime | None = None
) -> Backup:
    """Write a backup of the database, the private files and the audit checkpoints into
    BACKUP_DIR/hms-<UTC time>[-label], encrypted when recipients are set, then thin the older
    unlabelled backups (7 days, 4 weeks, 12 months by default) unless `label` or `keep_all`.
    The services keep running meanwhile. `label`: letters, digits, - and _ (labelled backups are
    never thinned). Raises `BackupError` (another backup running, pg_dump missing or failing, a
    bad label or recipient); a half-written backup is removed then."""
    if label and not all(c.isalnum() or c in "-_" for c in label):
        raise BackupError("a label is letters, digits, - and _")
    now = now or datetime.now(UTC)
    age_recipients()  # a bad recipient stops it before anything is written
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        backup = _backup_locked(folder, label=label, now=now)
        if not label and not keep_all and not settings.HMS_BACKUP_KEEP_ALL:
            for old in backups_to_thin(folder):
                logger.info("removing old backup %s", old)
                shutil.rmtree(old)
    logger.info("backup written: %s", backup.path)
    return backup


def _backup_locked(folder: Path, *, label: str, now: datetime) -> Backup:
    """Write the backup; the caller holds the backup folder's lock."""
    kind = _database_kind()
    encrypt_to = age_recipients()
    destination = folder / (f"hms-{now:%Y%m%dT%H%M%SZ}" + (f"-{label}" if label else ""))
    if destination.exists():
        raise BackupError(f"{destination} already exists")
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".partial", dir=folder))
    try:
        backup = _write(work, name=destination.name, kind=kind, encrypt_to=encrypt_to, now=now)
        work.rename(destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    backup.path = destination
    return backup


def _write(work: Path, *, name: str, kind: str, encrypt_to: list, now: datetime) -> Backup:
    notes = []
    # The audit log says when each backup was taken (the entry is inside the backup it names),
    # then the checkpoint: the dump holds the entry it signs.
    audit.record(
        actor=None,
        actor_username="system",
        action="backup.created",
        object_type="backup",
        object_id=name,
        after={"encrypted": bool(encrypt_to)},
    )
    try:
        checkpoint = audit.checkpoint_write()
        checkpoint_note = f"entry #{checkpoint.entry_id}" if checkpoint else "the log is empty"
    except audit.CheckpointError as error:
        checkpoint_note = f"not written: {error}"
        notes.append(f"audit checkpoint {checkpoint_note}")
    if Path(settings.HMS_AUDIT_CHECKPOINTS).exists():
        shutil.copyfile(settings.HMS_AUDIT_CHECKPOINTS, work / CHECKPOINTS)

    database_file = work / DATABASE_FILES[kind]
    if kind == "postgresql":
        database = connection.settings_dict
        source = f"PostgreSQL {database.get('HOST') or 'localhost'}/{database['NAME']}"
        _run(
            ["pg_dump", "--format=custom", f"--file={database_file}"],
            environment=_pg_environment(),
        )
    else:
        path = Path(connection.settings_dict["NAME"])
        source = f"SQLite {path}"
        if not path.is_file():
            raise BackupError(f"no SQLite database at {path}")
        with (
            closing(sqlite3.connect(path, timeout=20)) as live,
            closing(sqlite3.connect(database_file)) as copy,
        ):
            live.backup(copy)
            # The copy is one standalone file: no -wal/-shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        _sqlite_check(database_file)

    private_root = _private_root()
    if private_root is None:
        files_note = f"not included: they are in the S3 bucket {settings.AWS_STORAGE_BUCKET_NAME}"
    elif private_root.is_dir():
        with tarfile.open(work / PRIVATE_FILES, "w:gz") as archive:
            archive.add(private_root, arcname=private_root.name)
        files_note = f"{PRIVATE_FILES} from {private_root}"
    else:
        files_note = f"not included: no folder at {private_root}"
    if files_note.startswith("not included"):
        notes.append(f"private files {files_note}")

    if encrypt_to:
        import pyrage

        for plain in (database_file, work / PRIVATE_FILES):
            if plain.exists():
                pyrage.encrypt_file(str(plain), f"{plain}{ENCRYPTED_SUFFIX}", encrypt_to)
                plain.unlink()

    info = {
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname() or "unknown",
        "database_kind": "postgres" if kind == "postgresql" else "sqlite",
        "database_file": database_file.name + (ENCRYPTED_SUFFIX if encrypt_to else ""),
        "database_source": source,
        "private_files": files_note,
        "audit_checkpoint": checkpoint_note,
        "encryption": f"age, {len(encrypt_to)} recipient(s)" if encrypt_to else "none",
    }
    if version := _code_version():
        info["code_version"] = version
    (work / "INFO").write_text("".join(f"{key}: {value}\n" for key, value in info.items()))
    sums = "".join(
        f"{_sha256(path)}  {path.name}\n"
        for path in sorted(work.iterdir())
        if path.name != "SHA256SUMS"
    )
    (work / "SHA256SUMS").write_text(sums)
    return Backup(path=work, encrypted=bool(encrypt_to), notes=notes)


def _code_version() -> str:
    """`git describe` of the code that wrote the backup, "" where there is no git checkout."""
    root = Path(settings.BASE_DIR)
    if shutil.which("git") is None or not (root / ".git").exists():
        return ""
    # safe.directory: the service user reads a checkout that root owns.
    command = ["git", "-c", f"safe.directory={root}", "-C", str(root), "describe", "--always"]
    done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [*command, "--dirty"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def _backup_folders(folder: Path) -> list[Path]:
    """The finished backups in `folder`, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("hms-*")
        if path.is_dir() and len(path.name) >= 20 and path.name[12] == "T"
    )


def backups_to_thin(folder: Path) -> list[Path]:
    """Grandfather-father-son over the unlabelled backups in `folder`: going newest first, a
    backup stays when it is the newest of its day among the last HMS_BACKUP_KEEP_DAILY days that
    have one, of its ISO week among the last _WEEKLY weeks, or of its month among the last
    _MONTHLY months (the backups' own dates count, so a box that was off for a week still keeps
    7 days of backups). The others, to be removed. Labelled backups always stay."""
    keep = {
        "day": settings.HMS_BACKUP_KEEP_DAILY,
        "week": settings.HMS_BACKUP_KEEP_WEEKLY,
        "month": settings.HMS_BACKUP_KEEP_MONTHLY,
    }
    seen: dict[str, set[str]] = {period: set() for period in keep}
    thin = []
    for path in reversed(_backup_folders(folder)):
        stamp = path.name[4:]
        if not stamp.endswith("Z"):
            continue  # labelled
        day = datetime.strptime(stamp[:8], "%Y%m%d").date()
        iso = day.isocalendar()
        periods = {"day": stamp[:8], "week": f"{iso.year}-W{iso.week}", "month": stamp[:6]}
        kept = False
        for period, value in periods.items():
            if value not in seen[period]:
                seen[period].add(value)
                kept = kept or len(seen[period]) <= keep[period]
        if not kept:
            thin.append(path)
    return thin


# --- restore -------------------------------------------------------------------------------------


def backup_check(source: Path) -> str:
    """Check a backup folder's SHA256SUMS (every file listed is there with its sum); the kind of
    database it holds ("postgresql" or "sqlite"). Raises `BackupError` naming what is wrong."""
    if not (source / "SHA256SUMS").is_file() or not (source / "INFO").is_file():
        raise BackupError(f"{source} is not a backup (no INFO and SHA256SUMS)")
    for line in (source / "SHA256SUMS").read_text().splitlines():
        if not line.strip():
            continue
        expected, _, name = line.partition("  ")
        path = source / name.lstrip("*")
        if "/" in name or not path.is_file():
            raise BackupError(f"checksum mismatch in {source}: {name} is missing; not restoring")
        if _sha256(path) != expected:
            raise BackupError(f"checksum mismatch in {source}: {name} FAILED; not restoring")
    for kind, name in DATABASE_FILES.items():
        if (source / name).is_file() or (source / f"{name}{ENCRYPTED_SUFFIX}").is_file():
            return kind
    raise BackupError(f"{source} holds no database file")


def backup_restore(
    *, source: Path, identity_file: Path | None = None, safety_backup: bool = True
) -> Path | None:
    """Replace the database, the private files and the audit checkpoints with those of the
    backup folder `source`. In order: the checksums are checked and an encrypted backup is
    decrypted with the age secret key in `identity_file` (nothing is touched if either fails);
    the current state is backed up as hms-<time>-pre-restore unless `safety_backup` is False;
    PostgreSQL: the public schema is dropped and the dump restored in one transaction; SQLite:
    the file is replaced; the private files folder is emptied and refilled; the current
    checkpoints file is kept beside as `<name>.before-restore-<time>`. Holds the backup folder's
    lock throughout, so the nightly backup cannot run meanwhile. The HMS services must be
    stopped. Returns the safety backup's folder (None without one). Raises `BackupError`."""
    source = source.resolve()
    kind = backup_check(source)
    if kind != _database_kind():
        raise BackupError(
            f"the backup is a {kind} database but the settings point at {connection.vendor}; "
            "restore into the same kind of database (moving between engines is a migration)"
        )
    encrypted = any(path.suffix == ENCRYPTED_SUFFIX for path in source.iterdir())
    if encrypted and identity_file is None:
        raise BackupError(f"{source} is encrypted: give the age secret key (--identity FILE)")
    if kind == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        if safety_backup and not target.is_file():
            raise BackupError(
                f"there is no current database at {target} to back up first; "
                "if this is a new box, restore without the safety backup"
            )
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (
        _lock(folder),
        tempfile.TemporaryDirectory(prefix=".restoring.", dir=folder) as scratch,
    ):
        plain = _opened(source, Path(scratch), identity_file if encrypted else None)
        safety = None
        if safety_backup:
            now = datetime.now(UTC)
            safety = _backup_locked(folder, label="pre-restore", now=now).path
        connection.close()
        if kind == "postgresql":
            _restore_postgres(plain / DATABASE_FILES[kind])
        else:
            _restore_sqlite(plain / DATABASE_FILES[kind])
        _restore_private_files(plain / PRIVATE_FILES)
        _restore_checkpoints(source / CHECKPOINTS)
        # The restored log goes on with the restore itself: who looks later sees the gap.
        audit.record(
            actor=None,
            actor_username="system",
            action="backup.restored",
            object_type="backup",
            object_id=source.name,
            after={"safety_backup": safety.name if safety else None},
        )
    return safety


def _opened(source: Path, scratch: Path, identity_file: Path | None) -> Path:
    """The folder holding the backup's plain files: `source` itself, or `scratch` with the
    encrypted ones decrypted into it."""
    if identity_file is None:
        return source
    import pyrage

    identities = _age_identities(identity_file)
    for path in source.iterdir():
        if path.suffix == ENCRYPTED_SUFFIX:
            try:
                pyrage.decrypt_file(str(path), str(scratch / path.stem), identities)
            except pyrage.DecryptError as error:
                raise BackupError(
                    f"{path.name} cannot be decrypted with that key: {error}"
                ) from error
    return scratch


def _restore_postgres(dump: Path) -> None:
    environment = {**_pg_environment(), "PGOPTIONS": "-c client_min_messages=warning"}
    # Everything HMS owns lives in the public schema: drop it whole, so tables added by later
    # migrations do not survive next to the restored ones.
    _run(
        [
            "psql",
            "--quiet",
            "--no-psqlrc",
            "--set=ON_ERROR_STOP=1",
            "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
        ],
        environment=environment,
    )
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={environment['PGDATABASE']}",
            str(dump),
        ],
        environment=environment,
    )


def _owner_of(folder: Path) -> tuple[int, int] | None:
    """Run as root, restored files go to their folder's owner (the service user)."""
    if os.geteuid() != 0:
        return None
    found = folder.stat()
    return found.st_uid, found.st_gid


def _restore_sqlite(copy: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    restoring = target.with_name(target.name + ".restoring")
    shutil.copyfile(copy, restoring)
    _sqlite_check(restoring)
    if owner := _owner_of(target.parent):
        os.chown(restoring, *owner)
    for leftover in ("-wal", "-shm"):
        target.with_name(target.name + leftover).unlink(missing_ok=True)
    os.replace(restoring, target)


def _restore_private_files(archive: Path) -> None:
    root = _private_root()
    if not archive.is_file():
        return
    if root is None:
        logger.warning("the backup holds private files, but the settings keep files in S3")
        return
    root.mkdir(parents=True, exist_ok=True)
    for child in root.iterdir():
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()

    def below_the_top_folder(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        # The archive holds <folder>/...; its contents go into the configured folder.
        _, _, inside = member.name.partition("/")
        if not inside:
            return None
        return tarfile.data_filter(member.replace(name=inside, deep=False), path)

    with tarfile.open(archive, "r:gz") as opened:
        opened.extractall(root, filter=below_the_top_folder)  # noqa: S202 (the data filter)
    if owner := _owner_of(root):
        for place, folders, files in os.walk(root):
            for name in folders + files:
                os.chown(Path(place) / name, *owner, follow_symlinks=False)


def _restore_checkpoints(copy: Path) -> None:
    if not copy.is_file():
        return
    live = Path(settings.HMS_AUDIT_CHECKPOINTS)
    if live.is_file():
        if live.read_bytes() == copy.read_bytes():
            return
        live.rename(
            live.with_name(f"{live.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        )
    live.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copy, live)


# --- offsite -------------------------------------------------------------------------------------


def _offsite_client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.HMS_BACKUP_OFFSITE_ENDPOINT_URL,
        region_name=settings.HMS_BACKUP_OFFSITE_REGION,
        aws_access_key_id=settings.HMS_BACKUP_OFFSITE_ACCESS_KEY_ID,
        aws_secret_access_key=settings.HMS_BACKUP_OFFSITE_SECRET_ACCESS_KEY,
        # Our own queue retries (with backoff); one quick attempt here, so a dead link costs
        # seconds, not minutes, of the worker's time.
        config=Config(connect_timeout=5, read_timeout=60, retries={"total_max_attempts": 1}),
    )


def _offsite_state_path() -> Path:
    return backup_dir() / OFFSITE_FOLDER / "state.json"


def _offsite_state() -> dict:
    try:
        return json.loads(_offsite_state_path().read_text())
    except (OSError, ValueError):
        return {}


def _offsite_state_save(state: dict) -> None:
    path = _offsite_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(state, indent=1))
    os.replace(partial, path)


def offsite_waiting() -> list[Path]:
    """The backups not yet copied offsite, newest first. With recipients set, an unencrypted
    backup (written before they were) is never sent: only encrypted archives leave the box."""
    encrypt = bool(recipients())
    marks = backup_dir() / OFFSITE_FOLDER
    waiting = []
    for path in reversed(_backup_folders(backup_dir())):
        if (marks / f"{path.name}.done").exists():
            continue
        if encrypt and not any(p.suffix == ENCRYPTED_SUFFIX for p in path.iterdir()):
            continue
        waiting.append(path)
    return waiting


def offsite_push(*, force: bool = False, now: datetime | None = None) -> OffsiteReport:
    """Copy the waiting backups to the offsite bucket, newest first, each file under
    <prefix><backup name>/ with SHA256SUMS last (its presence marks a whole copy). Stops at the
    first failure: the backup stays waiting and the next try is 5 minutes later, doubling up to 6
    hours (`force` tries at once). Never raises for the link or the bucket: the report says what
    happened."""
    report = OffsiteReport()
    if not settings.HMS_BACKUP_OFFSITE_BUCKET:
        report.skipped = "no offsite bucket is set (HMS_BACKUP_OFFSITE_BUCKET)"
        return report
    now = now or datetime.now(UTC)
    state = _offsite_state()
    try:
        waiting = offsite_waiting()
    except BackupError as error:
        report.error = str(error)
        return report
    report.waiting = len(waiting)
    next_at = state.get("next_attempt_at")
    if not force and next_at and datetime.fromisoformat(next_at) > now:
        report.skipped = f"waiting after a failed upload until {next_at}: {state.get('error')}"
        return report
    if not waiting:
        return report
    marks = backup_dir() / OFFSITE_FOLDER
    marks.mkdir(parents=True, exist_ok=True)
    try:
        client = _offsite_client()
        for path in waiting:
            key = f"{settings.HMS_BACKUP_OFFSITE_PREFIX}{path.name}/"
            files = sorted(p for p in path.iterdir() if p.is_file() and p.name != "SHA256SUMS")
            for file in [*files, path / "SHA256SUMS"]:
                client.upload_file(str(file), settings.HMS_BACKUP_OFFSITE_BUCKET, key + file.name)
            uploaded_at = datetime.now(UTC).isoformat(timespec="seconds")
            (marks / f"{path.name}.done").write_text(uploaded_at + "\n")
            report.uploaded.append(path.name)
            report.waiting -= 1
            state = {"last_success_at": uploaded_at}
            _offsite_state_save(state)
    except Exception as error:  # the link, DNS, credentials, the bucket: all mean "try later"
        failures = state.get("failures", 0) + 1
        wait = min(OFFSITE_FIRST_WAIT * 2 ** (failures - 1), OFFSITE_LONGEST_WAIT)
        report.error = f"{type(error).__name__}: {error}"
        state.update(
            failures=failures,
            error=report.error,
            failed_at=now.isoformat(timespec="seconds"),
            next_attempt_at=(now + wait).isoformat(timespec="seconds"),
        )
        _offsite_state_save(state)
        logger.warning("offsite copy failed (%s); next try after %s", report.error, wait)
    _offsite_marks_tidy(marks)
    return report


def offsite_fetch(*, name: str) -> Path:
    """Download the backup `name` (hms-<time>[-label], or "latest": the newest whole one) from the
    offsite bucket into BACKUP_DIR, for a restore on a new box; its folder there. Only whole
    copies (with SHA256SUMS) are fetched. Raises `BackupError` when there is no bucket, the link or
    the bucket fails, or no such backup is there (naming the newest ones that are)."""
    if not settings.HMS_BACKUP_OFFSITE_BUCKET:
        raise BackupError("no offsite bucket is set (HMS_BACKUP_OFFSITE_BUCKET)")
    bucket, prefix = settings.HMS_BACKUP_OFFSITE_BUCKET, settings.HMS_BACKUP_OFFSITE_PREFIX
    try:
        client = _offsite_client()
        whole = sorted(
            item["Key"][len(prefix) :].split("/")[0]
            for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix
            )
            for item in page.get("Contents", [])
            if item["Key"].endswith("/SHA256SUMS")
        )
        if name == "latest" and whole:
            name = whole[-1]
        if name not in whole:
            newest = ", ".join(whole[-5:]) or "none"
            raise BackupError(f"no whole backup {name} in the bucket (the newest: {newest})")
        destination = backup_dir() / name
        if destination.exists():
            raise BackupError(f"{destination} is here already: restore it from there")
        backup_dir().mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=backup_dir()))
        try:
            listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}{name}/")
            for item in listed.get("Contents", []):
                file = item["Key"].rsplit("/", 1)[1]
                client.download_file(bucket, item["Key"], str(partial / file))
            partial.rename(destination)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    except BackupError:
        raise
    except Exception as error:  # the link, DNS, credentials, the bucket
        raise BackupError(
            f"cannot fetch from the bucket: {type(error).__name__}: {error}"
        ) from error
    # Fetched, so it is offsite already: not to be sent back.
    marks = backup_dir() / OFFSITE_FOLDER
    marks.mkdir(parents=True, exist_ok=True)
    (marks / f"{name}.done").write_text(datetime.now(UTC).isoformat(timespec="seconds") + "\n")
    return destination


def _offsite_marks_tidy(marks: Path) -> None:
    """Forget the marks of backups that were thinned away."""
    present = {path.name for path in _backup_folders(backup_dir())}
    for mark in marks.glob("*.done"):
        if mark.name.removesuffix(".done") not in present:
            mark.unlink(missing_ok=True)


def backup_status() -> BackupStatus:
    """When the newest backup was written and a backup last reached the offsite bucket."""
    folders = _backup_folders(backup_dir())
    last_backup = None
    if folders:
        last_backup = datetime.strptime(folders[-1].name[4:20], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC
        )
    state = _offsite_state()
    last_offsite = state.get("last_success_at")
    try:
        waiting = len(offsite_waiting()) if settings.HMS_BACKUP_OFFSITE_BUCKET else 0
    except BackupError:
        waiting = 0
    return BackupStatus(
        last_backup_at=last_backup,
        last_offsite_at=datetime.fromisoformat(last_offsite) if last_offsite else None,
        offsite_set=bool(settings.HMS_BACKUP_OFFSITE_BUCKET),
        offsite_waiting=waiting,
        offsite_error=state.get("error", ""),
    )
