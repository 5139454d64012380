"""The audit log: `record(...)` appends a hash-chained row in the caller's transaction.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so a row
edited or deleted behind the application's back is found by `verify()` (and `manage.py
verify_audit`) at the first row whose hash no longer matches.

Deleting the newest rows leaves a shorter chain that is still whole, so once a day
(`reports.tasks.audit_checkpoint_daily`, or `manage.py audit_checkpoint` on demand) the latest
entry's id and hash are written, signed with HMAC-SHA256 under a key the database does not hold,
to an append-only file beside the backups (settings.HMS_AUDIT_CHECKPOINTS). `verify()` then also
checks the chain against the last checkpoint: its entry must still be there with the same hash.
"""

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from hms import realtime
from hms.models import AuditEntry

GENESIS_HASH = "0" * 64
AUDIT_TOPIC = "audit"
# Chain rows are written one at a time: on PostgreSQL a transaction-scoped advisory lock
# (key 7410001, taken in hms_audit_append) serializes writers until commit; SQLite already
# serializes writes (IMMEDIATE mode).


def _jsonable(value: Any) -> Any:
    """What a value will look like after a JSON round trip, so hashing and storage agree."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "patient_id": entry.patient_id,
        "before": entry.before,
        "after": entry.after,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
    }


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + canonical_json(_payload(entry))).encode()).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    if getattr(settings, "HMS_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    """The audited view of `obj`: the named fields, JSON-ready (foreign keys by id)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname)
    return _jsonable(values)


def record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    request: HttpRequest | None = None,
    patient: Model | str | None = None,
    object_type: str = "",
    object_id: str = "",
    actor_username: str = "",
) -> AuditEntry:
    """Append one audit row. Call it inside the transaction of the change it describes.

    On PostgreSQL the row is appended by one statement (`hms_audit_append`, migration 0005:
    the chain's lock, the last hash, the new hash and the INSERT); elsewhere in Python under
    SQLite's write lock. Both hash the same canonical JSON, so `verify()` reads either."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_username=(actor.get_username() if is_user else actor_username)[:150],
        actor_role=(getattr(actor, "role", "") if is_user else "") or "",
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=str(obj)[:200] if obj is not None else "",
        patient_id=str(getattr(patient, "pk", patient) or ""),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
    )
    if connection.vendor == "postgresql":
        _append_in_postgres(entry)
    else:
        with transaction.atomic():
            entry.prev_hash = (
                AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
                or GENESIS_HASH
            )
            entry.entry_hash = entry_hash(entry.prev_hash, entry)
            entry.save()
    # The audit screen shows new entries live to those allowed to watch it.
    realtime.publish_html(AUDIT_TOPIC, live_row_html(entry))
    return entry


def live_row_html(entry: AuditEntry) -> str:
    """What those watching the audit viewer are sent for a new `entry`: its row, put first in
    the viewer's table by htmx (out of band)."""
    from hms.templatetags.audit_marks import audit_row_html

    return f'<tbody hx-swap-oob="afterbegin:#audit-tbody">{audit_row_html(entry)}</tbody>\n'


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _append_in_postgres(entry: AuditEntry) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, prev_hash, entry_hash FROM hms_audit_append("
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s)",
            [
                entry.at,
                entry.actor_id,
                entry.actor_username,
                entry.actor_role,
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                entry.patient_id,
                _json_or_null(entry.before),
                _json_or_null(entry.after),
                entry.ip,
                entry.user_agent,
                canonical_json(_payload(entry)),
            ],
        )
        entry.pk, entry.prev_hash, entry.entry_hash = cursor.fetchone()
    entry._state.adding = False
    entry._state.db = connection.alias


class CheckpointError(Exception):
    """A checkpoint cannot be written or checked (no key in production, an unreadable file, a
    broken chain); str() says which, for the person running the check."""


@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file: the audit entry `entry_id` had hash `entry_hash` when
    the checkpoint was written (`written_at`, aware UTC); `signature` is the hex HMAC-SHA256 of
    the three under the checkpoint key (`checkpoint_signature`)."""

    entry_id: int
    entry_hash: str
    written_at: datetime
    signature: str

    def line(self) -> str:
        return canonical_json(
            {
                "entry_id": self.entry_id,
                "entry_hash": self.entry_hash,
                "written_at": self.written_at.astimezone(UTC).isoformat(timespec="seconds"),
                "signature": self.signature,
            }
        )


def checkpoint_key() -> bytes:
    """The checkpoint signing key: settings.HMS_AUDIT_CHECKPOINT_KEY, else the contents of
    settings.HMS_AUDIT_CHECKPOINT_KEY_FILE. Outside production a missing file is generated
    (32 random bytes, hex, mode 0600); in production it is not, and `CheckpointError` is raised,
    because a key made up on the spot would sign whatever the database says now."""
    if settings.HMS_AUDIT_CHECKPOINT_KEY:
        return settings.HMS_AUDIT_CHECKPOINT_KEY.encode()
    path = Path(settings.HMS_AUDIT_CHECKPOINT_KEY_FILE)
    if path.exists():
        text = path.read_text().strip()
        if text:
            return text.encode()
    if not settings.HMS_AUDIT_CHECKPOINT_KEY_GENERATE:
        raise CheckpointError(
            "no audit checkpoint key: set HMS_AUDIT_CHECKPOINT_KEY or put the key in the file "
            f"HMS_AUDIT_CHECKPOINT_KEY_FILE names ({path})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key.encode()


def checkpoint_signature(entry_id: int, entry_hash: str, written_at: datetime, key: bytes) -> str:
    """Hex HMAC-SHA256 (RFC 2104) under `key` of the checkpoint's id, hash and time (UTC,
    seconds), as canonical JSON."""
    message = canonical_json(
        {
            "entry_id": entry_id,
            "entry_hash": entry_hash,
            "written_at": written_at.astimezone(UTC).isoformat(timespec="seconds"),
        }
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def checkpoint_last() -> Checkpoint | None:
    """The last checkpoint in settings.HMS_AUDIT_CHECKPOINTS, None when none was written yet.
    Raises `CheckpointError` when the file's last line is not a checkpoint (edited by hand)."""
    path = Path(settings.HMS_AUDIT_CHECKPOINTS)
    if not path.exists():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return None
    try:
        fields = json.loads(lines[-1])
        return Checkpoint(
            entry_id=int(fields["entry_id"]),
            entry_hash=str(fields["entry_hash"]),
            written_at=datetime.fromisoformat(fields["written_at"]),
            signature=str(fields["signature"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"the last line of {path} is not a checkpoint") from error


def checkpoint_write() -> Checkpoint | None:
    """Append a signed checkpoint of the newest audit entry to settings.HMS_AUDIT_CHECKPOINTS
    (flushed to disk); None when the log is empty. The chain is verified first (against the
    previous checkpoint too), so a tampered log is never signed: `CheckpointError` then, as for a
    missing key. Runs daily (reports.tasks) and on demand (`manage.py audit_checkpoint`)."""
    key = checkpoint_key()
    report = verify()
    if not report.ok:
        raise CheckpointError(f"the audit chain is not intact, no checkpoint written: {report}")
    newest = AuditEntry.objects.order_by("-id").values_list("id", "entry_hash").first()
    if newest is None:
        return None
    written_at = timezone.now().replace(microsecond=0)
    checkpoint = Checkpoint(
        entry_id=newest[0],
        entry_hash=newest[1],
        written_at=written_at,
        signature=checkpoint_signature(newest[0], newest[1], written_at, key),
    )
    path = Path(settings.HMS_AUDIT_CHECKPOINTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as checkpoints:
        checkpoints.write(checkpoint.line() + "\n")
        checkpoints.flush()
        os.fsync(checkpoints.fileno())
    return checkpoint


@dataclass
class ChainReport:
    """What `verify()` found. `checked`: entries whose hash and link matched before the first
    broken one. `broken_id`: that entry's id (or, for rows deleted after the last checkpoint,
    the id the checkpoint names), None when the chain is whole; `reason` says what is wrong.
    `checkpoint`: the last checkpoint, None when none was written; `checkpoint_problem`: why the
    chain does not agree with it (a missing key, a bad signature, rows deleted), "" when it
    does."""

    checked: int
    broken_id: int | None = None
    reason: str = ""
    checkpoint: Checkpoint | None = None
    checkpoint_problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.checkpoint_problem

    @property
    def matches_checkpoint(self) -> bool:
        return self.checkpoint is not None and self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"intact: {self.checked} entries checked"
        if self.broken_id is None:
            return f"{self.checked} entries intact, but {self.checkpoint_problem}"
        return f"broken at entry #{self.broken_id}: {self.reason}"


def verify() -> ChainReport:
    """Walk the whole chain in order; report the first row whose hash or link does not match,
    then check the chain against the last checkpoint (its entry must be there with the same
    hash, its signature must verify under the checkpoint key). Reads the table in chunks of
    2,000 rows; never raises for what it finds (a missing key is a finding too)."""
    try:
        checkpoint, problem = checkpoint_last(), ""
    except CheckpointError as error:
        checkpoint, problem = None, str(error)
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    hash_at_checkpoint = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev_hash:
            return ChainReport(
                checked,
                entry.id,
                "its link to the previous row does not match (a row is missing or was altered)",
                checkpoint,
            )
        if entry_hash(prev_hash, entry) != entry.entry_hash:
            return ChainReport(
                checked,
                entry.id,
                "its content does not match its hash (the row was edited)",
                checkpoint,
            )
        if checkpoint is not None and entry.id == checkpoint.entry_id:
            hash_at_checkpoint = entry.entry_hash
        prev_hash = entry.entry_hash
        last_id = entry.id
        checked += 1
    if checkpoint is None:
        return ChainReport(checked, checkpoint_problem=problem)
    return _against_checkpoint(checked, last_id, hash_at_checkpoint, checkpoint)


def _against_checkpoint(
    checked: int, last_id: int, hash_at_checkpoint: str | None, checkpoint: Checkpoint
) -> ChainReport:
    when = timezone.localtime(checkpoint.written_at).strftime("%d %b %Y %H:%M")
    try:
        key = checkpoint_key()
    except CheckpointError as error:
        return ChainReport(checked, checkpoint=checkpoint, checkpoint_problem=str(error))
    expected = checkpoint_signature(
        checkpoint.entry_id, checkpoint.entry_hash, checkpoint.written_at, key
    )
    if not hmac.compare_digest(expected, checkpoint.signature):
        return ChainReport(
            checked,
            checkpoint=checkpoint,
            checkpoint_problem=f"the checkpoint of {when} has a signature that does not verify "
            "(the checkpoint file was altered, or the key changed)",
        )
    if hash_at_checkpoint is None:
        reason = (
            f"entries after #{last_id} were deleted: the checkpoint of {when} names entry "
            f"#{checkpoint.entry_id}"
            if last_id < checkpoint.entry_id
            else f"entry #{checkpoint.entry_id}, named by the checkpoint of {when}, is missing"
        )
        return ChainReport(checked, checkpoint.entry_id, reason, checkpoint, reason)
    if hash_at_checkpoint != checkpoint.entry_hash:
        reason = (
            f"its hash differs from the one the checkpoint of {when} recorded "
            "(the log was rewritten from there)"
        )
        return ChainReport(checked, checkpoint.entry_id, reason, checkpoint, reason)
    return ChainReport(checked, checkpoint=checkpoint)
