"""The audit log: `record(...)` appends a hash-chained row in the caller's transaction.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so a row
edited or deleted behind the application's back is found by `verify()` (and `manage.py
verify_audit`) at the first row whose hash no longer matches.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
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
    realtime.publish(AUDIT_TOPIC, "hms/audit_row_live.html", {"entry": entry})
    return entry


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


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify() -> ChainReport:
    """Walk the whole chain in order; report the first row whose hash or link does not match."""
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev_hash:
            return ChainReport(
                checked,
                entry.id,
                "its link to the previous row does not match (a row is missing or was altered)",
            )
        if entry_hash(prev_hash, entry) != entry.entry_hash:
            return ChainReport(
                checked, entry.id, "its content does not match its hash (the row was edited)"
            )
        prev_hash = entry.entry_hash
        checked += 1
    return ChainReport(checked)
