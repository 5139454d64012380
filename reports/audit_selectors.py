"""Read-only queries of the audit log viewer: the filtered, sorted entries (one query for a page
and one for its count, whatever the filter), and the rows of its CSV export."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from hms import params
from hms.audit import canonical_json
from hms.models import AuditEntry
from hms.spreadsheet import spreadsheet_cell

PATIENT_TYPE = "clinical.Patient"


@dataclass(frozen=True)
class Column:
    """A sortable column of the viewer: its query-string key, heading and the fields it orders
    by (the entry's id always follows, in the same direction, so equal values keep one order)."""

    key: str
    heading: str
    fields: tuple[str, ...]


COLUMNS = [
    Column("id", "#", ("id",)),
    Column("at", "When (local)", ("at",)),
    Column("user", "User", ("actor_username",)),
    Column("role", "Role", ("actor_role",)),
    Column("action", "Action", ("action",)),
    Column("record", "Record", ("object_type", "object_id")),
    Column("patient", "Patient", ("patient_id",)),
    Column("ip", "IP", ("ip",)),
]
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_SORT = "-id"


def sort_param(value) -> str:
    """The sort a query asks for ("at", "-at": a column's key, "-" for descending); DEFAULT_SORT
    (newest first) for anything else."""
    if isinstance(value, str) and value.removeprefix("-") in COLUMNS_BY_KEY:
        return value
    return DEFAULT_SORT


def ordering(sort: str) -> list[str]:
    """The ORDER BY of a sort, the id last as the tie-break: "-user" -> ["-actor_username",
    "-id"]."""
    descending = sort.startswith("-")
    column = COLUMNS_BY_KEY[sort.removeprefix("-")]
    sign = "-" if descending else ""
    fields = [f"{sign}{name}" for name in column.fields if name != "id"]
    return [*fields, f"{sign}id"]


def day_start(day: date) -> datetime:
    """The first moment of `day` in the hospital's time zone (settings.TIME_ZONE), aware."""
    return datetime.combine(day, time.min, tzinfo=params.hospital_zone())


def about_patient(patient_id: str) -> Q:
    """Entries about a patient: those naming them as the patient, and those whose record is the
    patient's own (registration, edits, merges)."""
    return Q(patient_id=patient_id) | Q(object_type=PATIENT_TYPE, object_id=patient_id)


# What the list and the export call an entry no user made (a task, the system itself).
SYSTEM_ACTOR = "system"


def made_by(typed: str) -> Q:
    """Entries whose user's name holds `typed` (any case); "system" also finds the entries no
    user made, as the list and the export name them."""
    found = Q(actor_username__icontains=typed)
    if typed.casefold() == SYSTEM_ACTOR:
        found |= Q(actor_username="")
    return found


def entries(filters: dict, sort: str = DEFAULT_SORT) -> QuerySet[AuditEntry]:
    """The entries matching `filters` (AuditFilterForm's cleaned_data; missing or empty keys do
    not filter) in the order of `sort`. `actor` is part of the user's name (made_by). Dates are the hospital's days: `date_to` includes the
    whole of that day, up to local midnight."""
    found = AuditEntry.objects.all()
    if filters.get("entry"):
        found = found.filter(id=filters["entry"])
    if filters.get("actor"):
        found = found.filter(made_by(filters["actor"]))
    if filters.get("role"):
        found = found.filter(actor_role=filters["role"])
    if filters.get("action"):
        found = found.filter(action__startswith=filters["action"])
    if filters.get("patient"):
        found = found.filter(about_patient(filters["patient"]))
    if filters.get("object_type"):
        found = found.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        found = found.filter(object_id=filters["object_id"])
    if filters.get("date_from"):
        found = found.filter(at__gte=day_start(filters["date_from"]))
    if filters.get("date_to"):
        found = found.filter(at__lt=day_start(filters["date_to"] + timedelta(days=1)))
    return found.order_by(*ordering(sort))


CSV_HEADER = [
    "Entry",
    "When (local)",
    "User",
    "Role",
    "Action",
    "Record type",
    "Record id",
    "Record",
    "Patient id",
    "IP",
    "User agent",
    "Before",
    "After",
    "Hash",
]


def csv_rows(found: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    """The header, then one row per entry of `found` (read 2,000 at a time), every cell
    neutralised by `spreadsheet_cell`; times in the hospital's zone, "YYYY-MM-DD HH:MM:SS"."""
    yield CSV_HEADER
    for entry in found.iterator(chunk_size=2000):
        yield [
            spreadsheet_cell(value)
            for value in (
                entry.id,
                f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M:%S}",
                entry.actor_username or SYSTEM_ACTOR,
                entry.actor_role,
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                entry.patient_id,
                entry.ip,
                entry.user_agent,
                "" if entry.before is None else canonical_json(entry.before),
                "" if entry.after is None else canonical_json(entry.after),
                entry.entry_hash,
            )
        ]
