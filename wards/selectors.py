"""Read-only questions the ward screens ask: the bed board's tiles, what an admission's page
shows."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import selectors as billing_selectors
from billing.models import Invoice
from clinical import episode_record, news2
from clinical import selectors as clinical_selectors
from clinical.models import Vitals
from clinical.selectors import COMPLETE_SET
from hms import paging, rbac
from hms.durations import elapsed
from hms.links import link_to
from hms.prepared import Prepared
from wards import services
from wards.forms import DischargeSummaryForm, NoteForm, TransferForm
from wards.models import (
    ACTIVE_ADMISSION,
    Admission,
    AdmissionStatus,
    Bed,
    BedStatus,
    BedStay,
    InpatientNote,
    NoteKind,
    Ward,
    WardKind,
)

# The clinical content of a stay (diagnoses, treatment, medications, the discharge summary and its
# PDF): the whole chart only. Reception's "demographics" sees dates, beds, doctor, status and who
# signed the summary: what it needs to process the discharge and the bill (docs/DECISIONS.md).
CLINICAL_SCOPES = {rbac.ALL}


# An admission's page and every action on it read the stay with its patient, doctor, bed and
# ward: compiled once (hms.prepared; ~1.5 ms of CPU a request saved).
_ADMISSION = Prepared(
    lambda pk: Admission.objects.select_related(
        "patient", "attending_doctor", "bed__ward", "admitted_by"
    ).filter(pk=pk),
    pk=-1,
)


# The page's list of the beds the stay has been in, with their wards.
_STAYS = Prepared(
    lambda admission_id: BedStay.objects.select_related("bed__ward", "ward").filter(
        admission_id=admission_id
    ),
    admission_id=-1,
)


def admission_by_id(pk: int) -> Admission | None:
    """The admission `pk` with its patient, attending doctor, bed and ward and who admitted
    them, or None."""
    return _ADMISSION.one(pk=pk)


def sees_clinical_content(user: User) -> bool:
    return rbac.scope(user, "patients.view_chart") in CLINICAL_SCOPES


def admission_page(user: User, admission: Admission, *, notes_page_number: int = 1) -> dict:
    """An admission as `user` may see it, with blank transfer and discharge-summary forms (the
    latter None for whoever may not order the discharge; a refused one is put in their place by
    the view, bound to what was typed)."""
    can_order_discharge = rbac.allows(user, "wards.order_discharge")
    # The discharge order's form opens filled from the chart (medicines: a pharmacy query) only
    # for those who see it: the only form shown to someone else is a refused one, bound.
    initial = _summary_initial(admission) if can_order_discharge else {}
    return (
        {
            "admission": admission,
            "stays": _STAYS.all(admission_id=admission.pk),
            "days": (timezone.now() - admission.admitted_at).days,
            "transfer_form": TransferForm(),
            # Shown only to whoever orders the discharge (a form built is ~300 calls).
            "summary_form": DischargeSummaryForm(initial=initial) if can_order_discharge else None,
            "can_admit": rbac.allows(user, "wards.admit"),
            "can_order_discharge": can_order_discharge,
            # Tests not yet resulted (...): each cancelled or carried over before the discharge.
            "open_orders": services.stay_open_orders(admission) if admission.is_active else [],
            "clinical_view": sees_clinical_content(user),
            # The lab's panel: for those who view results (not the desk's demographics view).
            "can_see_tests": rbac.scope(user, "tests.view_results") == rbac.ALL,
        }
        | _bill(user, admission)
        | _episode(user, admission)
        | _vitals_chart(user, admission)
        | notes_page(user, admission, page=notes_page_number)
    )


NOTES_PAGE = 20
# How the note form says what the writer's note will be ("Signed as a nursing note by ...").
NOTE_KIND_WORDS = {NoteKind.WARD_ROUND: "ward-round", NoteKind.NURSING: "nursing"}


def _notes_of(admission_id: int) -> QuerySet:
    """The stay's notes (not their addenda), newest first, each knowing if it has addenda."""
    return (
        InpatientNote.objects.filter(admission_id=admission_id, addendum_to__isnull=True)
        .select_related("author")
        .annotate(has_addenda=Exists(InpatientNote.objects.filter(addendum_to=OuterRef("pk"))))
    )


# The first page of notes, and one more to know whether there are others (hms.prepared).
_FIRST_NOTES = Prepared(
    lambda admission_id: _notes_of(admission_id)[: NOTES_PAGE + 1], admission_id=-1
)


def notes_page(user: User, admission: Admission, *, page: int = 1) -> dict:
    """The stay's ward-round and nursing notes for whoever sees clinical content: a page of the
    newest NOTES_PAGE notes, each with its addenda (oldest first), in three queries however many
    (two when no note of the page has an addendum);
    {"notes": Page (or None when `user` may not see them), "can_write_notes": bool,
    "note_form": blank NoteForm, "note_edit_minutes": int}."""
    if not sees_clinical_content(user):
        return {"notes": None, "can_write_notes": False}
    first = _FIRST_NOTES.all(admission_id=admission.pk) if page == 1 else None
    if first is not None and len(first) <= NOTES_PAGE:
        # Every note on the first page: the list is the page (its queryset, ~1,000 calls to
        # build, is not needed for a count).
        notes = paging.page_at(first, NOTES_PAGE, 1)
    else:
        notes = paging.page_at(
            _notes_of(admission.pk),
            NOTES_PAGE,
            page,
            first_rows=None if first is None else lambda: first,
        )
    # The addenda are read only when a note of the page has one (most have none): a query less.
    prefetch_related_objects(
        [note for note in notes if note.has_addenda],
        Prefetch(
            "addenda",
            queryset=InpatientNote.objects.select_related("author").order_by("written_at", "id"),
        ),
    )
    editable_since = timezone.now() - timedelta(minutes=settings.HMS_NOTE_EDIT_MINUTES)
    for note in notes:
        note.editable = note.author_id == user.pk and note.written_at >= editable_since
        for addendum in note.addenda.all() if note.has_addenda else ():
            addendum.editable = (
                addendum.author_id == user.pk and addendum.written_at >= editable_since
            )
    return {
        "notes": notes,
        "can_write_notes": rbac.allows(user, "wards.notes"),
        "note_kind_words": NOTE_KIND_WORDS[services.note_kind_for(user)],
        "note_form": NoteForm(),
        "note_edit_minutes": settings.HMS_NOTE_EDIT_MINUTES,
    }


def _summary_initial(admission: Admission) -> dict:
    """The discharge order as it opens: the admission's diagnosis and the medicines on the chart
    (clinical.episode_record, from pharmacy's orders when it has any), for the doctor to edit."""
    if admission.status != AdmissionStatus.ADMITTED:
        return {}
    return {
        "final_diagnosis": admission.final_diagnosis or admission.diagnosis,
        "discharge_medications": admission.discharge_medications
        or episode_record.medications_text(episode_record.medications(admission)),
    }


# The stay's vitals chart plots its latest readings (the vitals page keeps every one).
CHART_READINGS = 50


def _vitals_chart(user: User, admission: Admission) -> dict:
    """The stay's vitals over time with their NEWS2, and the banner's latest observations, for
    those who see clinical content: {"vitals_series" (clinical.selectors.chart_series, or
    None), "vitals_charted", "vitals_count", "latest" (clinical.selectors.latest_observations'
    value for the patient, or None)}. The banner's latest set is read from the chart's readings
    when they settle it (a stay in progress, as most pages are): a query less."""
    if not sees_clinical_content(user):
        return {"vitals_series": None, "latest": None}
    series, charted, total, latest = clinical_selectors.episode_vitals_chart(
        admission.patient_id,
        since=admission.admitted_at,
        until=admission.discharged_at,
        limit=CHART_READINGS,
    )
    if latest is None:
        patient_id = admission.patient_id
        latest = clinical_selectors.latest_observations([patient_id]).get(patient_id)
    return {
        "vitals_series": series,
        "vitals_charted": charted,
        "vitals_count": total,
        "latest": latest,
    }


def _episode(user: User, admission: Admission) -> dict:
    """The episode's investigations with a flagged value, beside the discharge order (for those
    who see clinical content and may order the discharge): the key results."""
    if not (
        admission.status == AdmissionStatus.ADMITTED
        and rbac.allows(user, "wards.order_discharge")
        and sees_clinical_content(user)
    ):
        return {"key_results": []}
    return {
        "key_results": [test for test in episode_record.investigations(admission) if test.flagged]
    }


def _bill(user: User, admission: Admission) -> dict:
    """The bill beside the discharge: while it waits for reception, how the account stands (the
    discharge is refused until it is cleared); once discharged, the way to the account and the
    stay's invoice for those who take payments."""
    sees_bill = rbac.allows(user, "billing.invoices")
    bill = {
        "account_url": reverse("patient_account", args=[admission.patient_id]) if sees_bill else "",
        "clearance": None,
        "stay_invoice": None,
    }
    if admission.status == AdmissionStatus.DISCHARGE_ORDERED and rbac.allows(user, "wards.admit"):
        clearance = billing_selectors.discharge_clearance(admission.patient, admission)
        bill |= {
            "clearance": clearance,
            "clearance_text": services.clearance_text(clearance),
            "can_exempt": rbac.allows(user, "billing.exempt"),
        }
    if admission.status == AdmissionStatus.DISCHARGED and sees_bill:
        bill["stay_invoice"] = (
            Invoice.objects.filter(admission=admission)
            .defer("lines_snapshot")
            .order_by("-created_at", "-id")
            .first()
        )
    return bill


# The bed board's queries, each compiled once (hms.prepared: building and compiling them was
# half the board's CPU, and every open board fetches itself again on each bed change). Keyed by
# (one ward?) and, for the stays, (one ward?, clinical?): the clinical board's stays carry the
# ids of their latest scored and complete sets, read in one more query for the NEWS2.
_BED_LABELS = dict(BedStatus.choices)
_BOARD_WARDS = Prepared(
    lambda: Ward.objects.filter(active=True).order_by("kind", "name").values("pk", "name", "kind")
)


def _board_beds(**where: int) -> QuerySet:
    """The open wards' beds (narrowed by `where`), as the board's tiles read them."""
    return (
        Bed.objects.filter(ward__active=True, **where)
        .order_by("number")
        .values("pk", "ward_id", "number", "status")
    )


def _board_stays(*, clinical: bool, **where: int) -> QuerySet:
    """The active stays in the open wards' beds (narrowed by `where`), as the tiles read them;
    `clinical`: with the ids of each patient's latest scored set and latest complete set."""
    stays = Admission.objects.filter(ACTIVE_ADMISSION, bed__ward__active=True, **where)
    if clinical:
        stays = stays.annotate(
            latest_vitals=Subquery(_latest_scored_set()),
            latest_complete=Subquery(_latest_scored_set(complete=True)),
        )
    return stays.values(
        "pk",
        "bed_id",
        "status",
        "admitted_at",
        "patient__first_name",
        "patient__last_name",
        "attending_doctor__last_name",
        *(LATEST_SETS if clinical else ()),
    )


_BOARD_BEDS = {
    False: Prepared(lambda: _board_beds()),
    True: Prepared(lambda ward_id: _board_beds(ward_id=ward_id), ward_id=-1),
}
_BOARD_STAYS = {
    (one_ward, clinical): (
        Prepared(
            lambda ward_id, clinical=clinical: _board_stays(
                clinical=clinical, bed__ward_id=ward_id
            ),
            ward_id=-1,
        )
        if one_ward
        else Prepared(lambda clinical=clinical: _board_stays(clinical=clinical))
    )
    for one_ward in (False, True)
    for clinical in (False, True)
}
_BOARD_READINGS = {
    False: Prepared(lambda: _readings_of(_board_stays(clinical=True), *news2.FIELDS)),
    True: Prepared(
        lambda ward_id: _readings_of(
            _board_stays(clinical=True, bed__ward_id=ward_id), *news2.FIELDS
        ),
        ward_id=-1,
    ),
}


def bed_board(user: User, *, ward_id: int | None = None, now: datetime | None = None) -> dict:
    """The bed board as `user` sees it, in four queries however many beds (each compiled once).

    Returns {"now", "wards": [ward], "all_wards": [(id, name)], "icu_occupancy": int % or None} where
    each ward is {"pk", "name", "bed_count", "occupied", "vacant", "tiles": [tile]} and each tile
    is what one bed's square shows: {"pk", "number", "status", "status_label", "patient_name",
    "admission_url", "stay" ("3 days · Dr Otieno"), "discharge_ordered", "admit_url",
    "clean_url"} (the links only where `user` may follow them). Plain values, links made here:
    the template walks 200 beds without a lookup or a URL reversal per tile (docs/BENCHMARKS.md).
    `ward_id` narrows the board to one ward (every ward stays in `all_wards`, the picker).
    """
    now = now or timezone.now()
    can_admit = rbac.allows(user, "wards.admit")
    cleanable = services.bed_move_allowed(user, BedStatus.CLEANING, BedStatus.VACANT)
    labels = _BED_LABELS
    wards = _BOARD_WARDS.values()
    shown = [ward for ward in wards if ward_id is None or ward["pk"] == ward_id]
    one_ward = {"ward_id": ward_id} if ward_id is not None else {}
    clinical = sees_clinical_content(user)
    # A ward picked that is closed (or never was) shows no beds, and asks for none.
    beds = _BOARD_BEDS[bool(one_ward)].values(**one_ward) if shown else []
    stays = {
        row["bed_id"]: row
        for row in (_BOARD_STAYS[bool(one_ward), clinical].values(**one_ward) if beds else ())
    }
    # Each stay's latest NEWS2 on its tile: one more query, however many beds.
    scores = (
        {
            pk: news2.news2_of(row)
            for pk, row in _latest_readings(
                _BOARD_READINGS[bool(one_ward)], one_ward, stays.values(), news2.FIELDS
            ).items()
        }
        if clinical
        else {}
    )
    admit_url = reverse("admission_new")
    # Reversed once, the id put in per bed: 150 reversals cost the 200-bed board ~3 ms.
    admission_url, clean_url = link_to("admission_detail"), link_to("bed_status")
    tiles: dict[int, list[dict]] = {ward["pk"]: [] for ward in shown}
    for bed in beds:
        tile = {
            **bed,
            "status_label": labels.get(bed["status"], bed["status"]),
            # Every key on every tile: a name the template asks for and a dict lacks costs ten
            # times a found one (Django's lookup tries the key, the attribute, the index).
            "patient_name": "",
            "admission_url": "",
            "stay": "",
            "discharge_ordered": False,
            "news2": None,
            "admit_url": "",
            "clean_url": "",
        }
        stay = stays.get(bed["pk"])
        if stay:
            tile["patient_name"] = f"{stay['patient__first_name']} {stay['patient__last_name']}"
            tile["admission_url"] = admission_url(stay["pk"])
            tile["stay"] = (
                f"{elapsed(stay['admitted_at'], now)} · Dr {stay['attending_doctor__last_name']}"
            )
            tile["discharge_ordered"] = stay["status"] == AdmissionStatus.DISCHARGE_ORDERED
            tile["news2"] = news2.standing(
                scores.get(stay.get("latest_vitals")), scores.get(stay.get("latest_complete"))
            )
        elif bed["status"] == BedStatus.VACANT and can_admit:
            tile["admit_url"] = f"{admit_url}?bed={bed['pk']}"
        elif bed["status"] == BedStatus.CLEANING and cleanable:
            tile["clean_url"] = clean_url(bed["pk"])
        tiles[bed["ward_id"]].append(tile)
    for ward in shown:
        # Counted from the tiles drawn, not by a query of their own: a bed changing between two
        # queries would show its new colour beside the old count.
        ward["tiles"] = tiles[ward["pk"]]
        ward["bed_count"] = len(ward["tiles"])
        ward["occupied"] = sum(tile["status"] == BedStatus.OCCUPIED for tile in ward["tiles"])
        ward["vacant"] = sum(tile["status"] == BedStatus.VACANT for tile in ward["tiles"])
    icu = [ward for ward in shown if ward["kind"] == WardKind.ICU]
    icu_beds = sum(ward["bed_count"] for ward in icu)
    return {
        "wards": shown,
        "all_wards": [(ward["pk"], ward["name"]) for ward in wards],
        "icu_occupancy": (
            round(100 * sum(ward["occupied"] for ward in icu) / icu_beds) if icu_beds else None
        ),
    }


# --- the ward's patients and what is due (the nurse's home) ---------------------------------------

# Readings NEWS2 scores: a set holding none of them (a weight alone) is not an observation round.
_SCORED_SET = Q()
for _name in news2.MEASURED:
    _SCORED_SET |= Q(**{f"{_name}__isnull": False})


# Each stay's latest scored set and latest complete set: an incomplete latest set stands no
# lower, and is due no later, than the complete one (clinical.news2.standing, next_due).
LATEST_SETS = ("latest_vitals", "latest_complete")


def _latest_scored_set(*, complete: bool = False) -> QuerySet:
    """The id of the admitted patient's latest scored set of vitals (`complete`: the latest
    holding all seven parameters, of this stay), as a subquery on an admission (the vitals'
    patient/time index answers it)."""
    sets = Vitals.objects.filter(_SCORED_SET, patient=OuterRef("patient_id"))
    if complete:
        sets = sets.filter(COMPLETE_SET, recorded_at__gte=OuterRef("admitted_at"))
    return sets.order_by("-recorded_at", "-id").values("pk")[:1]


def _readings_of(stays: QuerySet, *fields: str) -> QuerySet:
    """The sets of vitals `stays` (a queryset of admissions annotated with LATEST_SETS) name as
    their latest scored and latest complete sets, as dicts of their id and `fields`: one query,
    its SQL the same however many stays (so it can be prepared, where a list of ids cannot).

    The two lists of ids are one UNION, not two `IN`s joined by OR: PostgreSQL cannot turn an
    OR of subqueries into index lookups, so it read every set of vitals there is, newest first
    through the vitals' time index (the large hospital's bed board: 59 ms of its 67, against
    1 ms for the union, tests/bench/pages.py --large)."""
    return (
        Vitals.objects.filter(
            pk__in=stays.order_by()
            .values("latest_vitals")
            .union(stays.order_by().values("latest_complete"))
        )
        .order_by()
        .values("pk", *fields)
    )


def _latest_readings(
    readings: Prepared, where: dict, stays: Iterable[dict], fields: tuple[str, ...]
) -> dict[int, dict]:
    """The sets of vitals `stays` (rows carrying LATEST_SETS) name, by id, as dicts of `fields`:
    `readings` (a prepared _readings_of the same stays, `where` its values) in one query, none
    when no stay names a set. A set recorded between the two queries makes the stays' subquery
    name another: the sets the stays named and the readings lack are read by their ids."""
    wanted = {stay[key] for stay in stays for key in LATEST_SETS if stay[key]}
    if not wanted:
        return {}
    found = {row["pk"]: row for row in readings.values(**where)}
    if missing := wanted - found.keys():
        found |= {
            row["pk"]: row
            for row in Vitals.objects.filter(pk__in=sorted(missing)).values("pk", *fields)
        }
    return found


# The open wards with their free beds, for the ward's patients (hms.prepared: compiled once).
_OPEN_WARDS = Prepared(
    lambda: (
        Ward.objects.filter(active=True)
        .annotate(vacant=Count("beds", filter=Q(beds__status=BedStatus.VACANT)))
        .order_by("kind", "name")
        .values("pk", "name", "vacant")
    )
)


def _stays_shown(**where: int) -> QuerySet:
    """The active stays on the open wards (narrowed by `where`), each with the ids of its
    patient's latest scored set and latest complete set, as the ward's patients read them."""
    return (
        Admission.objects.filter(ACTIVE_ADMISSION, bed__ward__active=True, **where)
        .annotate(
            latest_vitals=Subquery(_latest_scored_set()),
            latest_complete=Subquery(_latest_scored_set(complete=True)),
        )
        .values(
            "pk",
            "status",
            "admitted_at",
            "patient_id",
            "patient__first_name",
            "patient__last_name",
            "patient__mrn",
            "bed__number",
            "bed__ward_id",
            *LATEST_SETS,
        )
    )


# The stays of every ward or one, of every doctor or one, each query compiled once (hms.prepared:
# its two subqueries cost ~1.5 ms of CPU a request to build and compile; the panel reloads on
# every bed and vitals change). Keyed by (one ward?, one doctor?).
_STAYS_SHOWN = {
    (False, False): Prepared(lambda: _stays_shown()),
    (True, False): Prepared(lambda ward_id: _stays_shown(bed__ward_id=ward_id), ward_id=-1),
    (False, True): Prepared(
        lambda doctor_id: _stays_shown(attending_doctor_id=doctor_id), doctor_id=-1
    ),
    (True, True): Prepared(
        lambda ward_id, doctor_id: _stays_shown(
            bed__ward_id=ward_id, attending_doctor_id=doctor_id
        ),
        ward_id=-1,
        doctor_id=-1,
    ),
}

# The sets of vitals those stays name (the latest scored and latest complete), compiled once too.
_READINGS_SHOWN = {
    (False, False): Prepared(lambda: _readings_of(_stays_shown(), "recorded_at", *news2.FIELDS)),
    (True, False): Prepared(
        lambda ward_id: _readings_of(
            _stays_shown(bed__ward_id=ward_id), "recorded_at", *news2.FIELDS
        ),
        ward_id=-1,
    ),
    (False, True): Prepared(
        lambda doctor_id: _readings_of(
            _stays_shown(attending_doctor_id=doctor_id), "recorded_at", *news2.FIELDS
        ),
        doctor_id=-1,
    ),
    (True, True): Prepared(
        lambda ward_id, doctor_id: _readings_of(
            _stays_shown(bed__ward_id=ward_id, attending_doctor_id=doctor_id),
            "recorded_at",
            *news2.FIELDS,
        ),
        ward_id=-1,
        doctor_id=-1,
    ),
}

# The beds waiting to be cleaned, of every open ward or of one (hms.prepared).
_CLEANING = {
    False: Prepared(
        lambda: (
            Bed.objects.filter(ward__active=True, status=BedStatus.CLEANING)
            .order_by("number")
            .values("pk", "ward_id", "number", "status_changed_at")
        )
    ),
    True: Prepared(
        lambda ward_id: (
            Bed.objects.filter(ward_id=ward_id, ward__active=True, status=BedStatus.CLEANING)
            .order_by("number")
            .values("pk", "ward_id", "number", "status_changed_at")
        ),
        ward_id=-1,
    ),
}


def ward_patients(
    user: User,
    *,
    ward_id: int | None = None,
    now: datetime | None = None,
    attending: User | None = None,
) -> dict:
    """Every active admission of the ward (or of every ward, grouped), bed by bed, with what the
    nurse has to do (`attending`: only that doctor's patients): observations due by NEWS2 (clinical.news2: the RCP chart's frequencies),
    discharges ordered and waiting, beds waiting to be cleaned, beds free to admit into.

    Four queries however many patients: the wards with their vacant beds, the admissions (each
    with the id of its patient's latest scored set of vitals, a subquery on the vitals'
    patient/time index), those sets (read by the same subqueries: _readings_of), and the beds
    waiting to be cleaned, each compiled once (hms.prepared). The page writes the wards and
    their rows out in Python (wards/templatetags/ward_rows.py).

    Returns {"now", "wards": [ward], "all_wards": [(id, name)], "due": {"vitals", "discharges",
    "cleaning"}} where each ward is {"pk", "name", "vacant", "rows", "cleaning": [bed],
    "discharges": int, "vitals_due": int, "admit_url"} and each row is what one patient's line
    shows: {"bed", "name", "mrn", "admission_url", "vitals_url", "days_in", "last_vitals_at",
    "news2" (clinical.news2.News2 or None), "due_at", "overdue", "due_soon", "discharge_ordered",
    "admitted_at", "ward_name"} (links only where `user` may follow them). "lists" holds the same
    rows three ways for the nurse's home: {"due": overdue or due within the hour, soonest first;
    "newest": admitted in the last 24 hours, newest first; "by_score": the highest NEWS2 first}.
    """
    now = now or timezone.now()
    records_vitals = rbac.allows(user, "vitals.record")
    can_admit = rbac.allows(user, "wards.admit")
    cleanable = services.bed_move_allowed(user, BedStatus.CLEANING, BedStatus.VACANT)
    wards = _OPEN_WARDS.values()
    shown = [ward for ward in wards if ward_id is None or ward["pk"] == ward_id]
    one_ward = {"ward_id": ward_id} if ward_id is not None else {}
    one_doctor = {"doctor_id": attending.pk} if attending is not None else {}
    # A ward picked that is closed (or never was) shows nothing: the view shows every ward.
    admissions = (
        _STAYS_SHOWN[bool(one_ward), bool(one_doctor)].values(**one_ward, **one_doctor)
        if shown
        else []
    )
    readings = _latest_readings(
        _READINGS_SHOWN[bool(one_ward), bool(one_doctor)],
        one_ward | one_doctor,
        admissions,
        ("recorded_at", *news2.FIELDS),
    )
    cleaning = _CLEANING[bool(one_ward)].values(**one_ward) if shown else []
    admission_url, vitals_url = link_to("admission_detail"), link_to("patient_vitals")
    clean_url, admit_url = link_to("bed_status"), reverse("admission_new")
    by_ward: dict[int, dict] = {}
    for ward in shown:
        ward |= {
            "rows": [],
            "cleaning": [],
            "discharges": 0,
            "vitals_due": 0,
            "admit_url": admit_url if can_admit and ward["vacant"] else "",
        }
        by_ward[ward["pk"]] = ward
    for admission in admissions:
        reading = readings.get(admission["latest_vitals"])
        score = news2.news2_of(reading) if reading else None
        last_at = reading["recorded_at"] if reading else None
        complete_reading = readings.get(admission["latest_complete"])
        complete = news2.news2_of(complete_reading) if complete_reading else None
        due_at = news2.next_due(
            last_at=last_at,
            news2=score,
            admitted_at=admission["admitted_at"],
            complete_at=complete_reading["recorded_at"] if complete_reading else None,
            complete=complete,
        )
        ward = by_ward[admission["bed__ward_id"]]
        row = {
            "bed": admission["bed__number"],
            "name": f"{admission['patient__first_name']} {admission['patient__last_name']}",
            "mrn": admission["patient__mrn"],
            "admission_url": admission_url(admission["pk"]),
            "vitals_url": vitals_url(admission["patient_id"]) if records_vitals else "",
            "days_in": (now - admission["admitted_at"]).days,
            "last_vitals_at": last_at,
            "news2": news2.standing(score, complete),
            "due_at": due_at,
            "overdue": due_at <= now,
            "discharge_ordered": admission["status"] == AdmissionStatus.DISCHARGE_ORDERED,
            "admitted_at": admission["admitted_at"],
            "ward_name": ward["name"],
            "due_soon": now < due_at <= now + DUE_SOON,
        }
        ward["rows"].append(row)
        ward["vitals_due"] += row["overdue"]
        ward["discharges"] += row["discharge_ordered"]
    for bed in cleaning:
        bed["clean_url"] = clean_url(bed["pk"]) if cleanable else ""
        by_ward[bed["ward_id"]]["cleaning"].append(bed)
    for ward in shown:
        ward["rows"].sort(key=lambda row: _bed_order(row["bed"]))
    rows = [row for ward in shown for row in ward["rows"]]
    return {
        "now": now,
        "lists": {
            # Observations overdue, then due within DUE_SOON, soonest first.
            "due": sorted((r for r in rows if r["overdue"] or r["due_soon"]), key=_due_order),
            "newest": sorted(
                (r for r in rows if r["admitted_at"] >= now - NEWEST_WITHIN),
                key=lambda row: row["admitted_at"],
                reverse=True,
            ),
            # The sickest first: the highest NEWS2, a red parameter before none; unscored last.
            "by_score": sorted(rows, key=_score_order),
        },
        "due_soon_minutes": int(DUE_SOON.total_seconds() // 60),
        "continuous_minutes": news2.CONTINUOUS_MINUTES,
        "wards": shown,
        "all_wards": [(ward["pk"], ward["name"]) for ward in wards],
        "due": {
            "vitals": sum(ward["vitals_due"] for ward in shown),
            "discharges": sum(ward["discharges"] for ward in shown),
            "cleaning": len(cleaning),
        },
    }


# The nurse's lists: sets due within the hour, and admissions of the last day.
DUE_SOON = timedelta(hours=1)
NEWEST_WITHIN = timedelta(hours=24)


def _due_order(row: dict) -> tuple:
    return (row["due_at"], _bed_order(row["bed"]))


def _score_order(row: dict) -> tuple:
    score = row["news2"]
    if score is None:
        return (1, 0, 0, _bed_order(row["bed"]))
    return (0, -score.score, -score.red_parameter, _bed_order(row["bed"]))


def _bed_order(number: str) -> tuple:
    """Beds in the order they stand: "2" before "10", numbers before names ("Side room")."""
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


# What the administrator's beds page offers for a bed in each state (wards.services.BED_MOVES).
SERVICE_MOVES = {
    BedStatus.VACANT: (BedStatus.MAINTENANCE, "Take out of service"),
    BedStatus.CLEANING: (BedStatus.MAINTENANCE, "Take out of service"),
    BedStatus.MAINTENANCE: (BedStatus.VACANT, "Back in service"),
}


def ward_beds(user: User, *, ward: Ward) -> list[dict]:
    """A ward's beds for the administrator, in number order, in one query.

    Returns [{"pk", "number", "status", "status_label", "since" (aware datetime of the last
    change), "move": (to_status, button label) or None}]: the move only where `user` may make it
    (wards.services.bed_move_allowed); an occupied bed has none (it empties through discharge).
    """
    labels = dict(BedStatus.choices)
    rows = []
    for bed in (
        Bed.objects.filter(ward=ward)
        .order_by("number")
        .values("pk", "number", "status", "status_changed_at")
    ):
        move = SERVICE_MOVES.get(bed["status"])
        if move and not services.bed_move_allowed(user, bed["status"], move[0]):
            move = None
        rows.append(
            {
                "pk": bed["pk"],
                "number": bed["number"],
                "status": bed["status"],
                "status_label": labels[bed["status"]],
                "since": bed["status_changed_at"],
                "move": move,
            }
        )
    return rows
