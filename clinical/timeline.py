"""The patient's history: one timeline of every kind of record, newest first, read in one query.

Each kind of record is a `TimelineSource`; clinical's own six are below and modules built on
clinical register theirs (lab's tests). A page asks the database one UNION ALL of each kind's
newest `size` records before the cursor, each row carrying the values its event is written from
as one JSON object, and counts, in one more query, only the kinds that filled their window
(a short history asks none): the page costs the same two queries however many kinds there are.
"""

import json
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connections, models, router
from django.db.models import F, IntegerField, JSONField, QuerySet, Subquery, Value
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinical.models import (
    Appointment,
    Encounter,
    Patient,
    PatientDocument,
    PatientStateChange,
    Prescription,
    Vitals,
)
from hms.links import link_to


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    icon: str
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class TimelineSource:
    """A kind of record on the timeline. `records(patient)`: the patient's records of the kind;
    `at`: the field that places one on the timeline; `columns`: the values its event is written
    from (a name for each field path, read with the row); `event(patient, at, values, link)`:
    the event, from `values` (decimals arrive as Decimal, ids and choices as stored); `link(route)`
    is hms.links.link_to(route), reversed once a page."""

    records: Callable[[Patient], QuerySet]
    at: str
    columns: dict[str, str]
    event: Callable[[Patient, datetime, dict, Callable], Event]


class _DecimalsKept(json.JSONDecoder):
    """A stored decimal read back as the Decimal it was (37.0 stays "37.0", not a float)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, parse_float=Decimal, **kwargs)


class _Values(JSONObject):
    """A row's values as one JSON object, read back with its decimals kept."""

    output_field = JSONField(decoder=_DecimalsKept)


class _Count(Subquery):
    """How many rows a queryset has, as a value of an outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


_sources: list[TimelineSource] = []


def register(source: TimelineSource) -> None:
    if source not in _sources:
        _sources.append(source)


def sources() -> list[TimelineSource]:
    return list(_sources)


def _before(source: TimelineSource, patient: Patient, before: datetime | None) -> QuerySet:
    records = source.records(patient)
    return records if before is None else records.filter(**{f"{source.at}__lt": before})


def count(patient: Patient, *, before: datetime | None = None) -> int:
    """How many events the patient's timeline has (before the cursor, when given): counted in the
    database, in one query however many kinds of record and however long the history."""
    return _counts(patient, before, _sources)


def _counts(patient: Patient, before: datetime | None, kinds: list[TimelineSource]) -> int:
    if not kinds:
        return 0
    counted = {
        f"n{i}": _Count(_before(source, patient, before).order_by().values("pk"))
        for i, source in enumerate(kinds)
    }
    row = Patient.objects.filter(pk=patient.pk).annotate(**counted).values(*counted).get()
    return sum(row.values())


def _union(kinds: list[TimelineSource], patient: Patient, before: datetime | None, size: int):
    """Each kind's newest `size` records before the cursor, as (kind, at, values) rows."""
    windows = []
    for i, source in enumerate(kinds):
        records = _before(source, patient, before)
        newest = records.order_by(f"-{source.at}").values("pk")[:size]
        windows.append(
            records.model._default_manager.filter(pk__in=Subquery(newest))
            .order_by()
            .annotate(
                timeline_kind=Value(i),
                timeline_at=F(source.at),
                timeline_values=_Values(**{name: F(path) for name, path in source.columns.items()}),
            )
            .values("timeline_kind", "timeline_at", "timeline_values")
        )
    return windows[0].union(*windows[1:], all=True).order_by("timeline_kind", "-timeline_at")


# Building and compiling that union costs more than running it (~6 ms of Python a page against
# ~1 ms in PostgreSQL, measured on the demo): it is compiled once per database, page size and
# with or without a cursor, for stand-in values, and run with the page's own in their places.
_STAND_IN_PATIENT = uuid.UUID("00000000-0000-4000-8000-00000000d1ce")
_STAND_IN_BEFORE = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_compiled: dict[tuple, tuple[str, tuple]] = {}


def _newest(
    kinds: list[TimelineSource], patient: Patient, before: datetime | None, size: int
) -> list[tuple[int, datetime, dict]]:
    connection = connections[router.db_for_read(Patient)]
    key = (connection.vendor, size, before is None, tuple(map(id, kinds)))
    if key not in _compiled:
        stand_in = Patient(pk=_STAND_IN_PATIENT)
        query = _union(kinds, stand_in, None if before is None else _STAND_IN_BEFORE, size)
        _compiled[key] = query.query.get_compiler(connection=connection).as_sql()
    sql, params = _compiled[key]
    pk_field, at_field = Patient._meta.pk, models.DateTimeField()
    own = {
        pk_field.get_db_prep_value(_STAND_IN_PATIENT, connection): pk_field.get_db_prep_value(
            patient.pk, connection
        )
    }
    if before is not None:
        own[at_field.get_db_prep_value(_STAND_IN_BEFORE, connection)] = at_field.get_db_prep_value(
            before, connection
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [own.get(p, p) if isinstance(p, Hashable) else p for p in params])
        rows = cursor.fetchall()
    return [(kind, _aware(at), _decoded(values)) for kind, at, values in rows]


def _aware(at) -> datetime:
    """A moment as the models read it (SQLite hands back text, naive UTC)."""
    if isinstance(at, str):
        at = parse_datetime(at)
    return at if timezone.is_aware(at) else timezone.make_aware(at, UTC)


def _decoded(values) -> dict:
    return json.loads(values, cls=_DecimalsKept) if isinstance(values, str | bytes) else values


def page(
    patient: Patient, *, before: datetime | None = None, size: int = 25
) -> tuple[list[Event], int]:
    """(the newest `size` events before the cursor, how many events the timeline has from the
    cursor on). Each kind gives its newest `size` (the merge keeps the newest `size` of those);
    a kind that gave fewer has given all it has before the cursor, so only the kinds that filled
    their window are counted."""
    kinds = list(_sources)
    routes: dict[str, Callable] = {}

    def link(route: str) -> Callable:
        """Each route reversed once a page (hms.links)."""
        if route not in routes:
            routes[route] = link_to(route)
        return routes[route]

    found: dict[int, int] = {}
    events: list[Event] = []
    for kind, at, values in _newest(kinds, patient, before, size):
        found[kind] = found.get(kind, 0) + 1
        events.append(kinds[kind].event(patient, at, values, link))
    full = [source for i, source in enumerate(kinds) if found.get(i, 0) >= size]
    total = sum(n for i, n in found.items() if n < size) + _counts(patient, before, full)
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:size], total


# --- clinical's own kinds of record -----------------------------------------------------------


def _name(values: dict, prefix: str) -> str:
    """A user as str(user) shows one: the full name, else the username."""
    full = f"{values[prefix + 'first_name']} {values[prefix + 'last_name']}".strip()
    return full or values[prefix + "username"]


def _labels(model, field: str) -> dict:
    return dict(model._meta.get_field(field).flatchoices)


def _decimal(value, places: int) -> Decimal | None:
    """A decimal column as the model reads it (SQLite may store 37.0 as the integer 37)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


_DOCTOR = {
    "doctor_first_name": "doctor__first_name",
    "doctor_last_name": "doctor__last_name",
    "doctor_username": "doctor__username",
}


def _consultation(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    code = values["icd10_code"]
    return Event(
        at,
        "consultation",
        "clipboard2-pulse",
        f"Consultation with Dr {_name(values, 'doctor_')}",
        values["diagnosis"] + (f" ({code})" if code else ""),
        link("encounter")(values["id"]),
    )


def _vitals(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    parts = []
    if (temperature := _decimal(values["temperature_c"], 1)) is not None:
        parts.append(f"T {temperature} °C")
    if values["pulse"] is not None:
        parts.append(f"P {values['pulse']}")
    if values["systolic"] is not None:
        parts.append(f"BP {values['systolic']}/{values['diastolic']}")
    if values["spo2"] is not None:
        parts.append(f"SpO₂ {values['spo2']}%")
    return Event(
        at,
        "vitals",
        "heart-pulse",
        "Vitals",
        " · ".join(parts),
        link("patient_vitals")(patient.pk),
    )


def _prescription(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    return Event(
        at,
        "prescription",
        "capsule",
        f"Prescribed {values['drug']} {values['strength']}".strip(),
        f"{values['dose']}, {values['frequency']}, {values['duration']}",
        link("encounter")(values["encounter_id"]),
    )


_APPOINTMENT_STATUS = _labels(Appointment, "status")


def _appointment(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    return Event(
        at,
        "appointment",
        "calendar-event",
        f"Appointment with {_name(values, 'doctor_')}",
        _APPOINTMENT_STATUS.get(values["status"], values["status"]),
        link("appointment_detail")(values["id"]),
    )


_DOCUMENT_KIND = _labels(PatientDocument, "kind")


def _document(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    return Event(
        at,
        "document",
        "file-earmark-text",
        f"Document: {values['title']}",
        _DOCUMENT_KIND.get(values["kind"], values["kind"]),
        link("patient_documents")(patient.pk),
    )


_STATE = _labels(PatientStateChange, "to_state")


def _state_change(patient: Patient, at: datetime, values: dict, link: Callable) -> Event:
    return Event(
        at,
        "status",
        "signpost",
        f"Now {_STATE.get(values['to_state'], values['to_state'])}",
        values["reason"],
    )


def _of_patient(model) -> Callable[[Patient], QuerySet]:
    return lambda patient: model._default_manager.filter(patient=patient)


for _source in (
    TimelineSource(
        _of_patient(Encounter),
        "started_at",
        {"id": "id", "diagnosis": "diagnosis", "icd10_code": "icd10_code", **_DOCTOR},
        _consultation,
    ),
    TimelineSource(
        _of_patient(Vitals),
        "recorded_at",
        {name: name for name in ("temperature_c", "pulse", "systolic", "diastolic", "spo2")},
        _vitals,
    ),
    TimelineSource(
        _of_patient(Prescription),
        "created_at",
        {
            name: name
            for name in ("encounter_id", "drug", "strength", "dose", "frequency", "duration")
        },
        _prescription,
    ),
    TimelineSource(
        _of_patient(Appointment),
        "starts_at",
        {"id": "id", "status": "status", **_DOCTOR},
        _appointment,
    ),
    TimelineSource(
        _of_patient(PatientDocument), "uploaded_at", {"title": "title", "kind": "kind"}, _document
    ),
    TimelineSource(
        _of_patient(PatientStateChange),
        "at",
        {"to_state": "to_state", "reason": "reason"},
        _state_change,
    ),
):
    register(_source)
