"""Finding a patient the way a desk types: one or two letters wrong ("Wanjeru" finds Wanjiru),
surname first ("Kamau Wanjiru"), without the accent or the apostrophe ("OBrien", "Zoe" for Zoé),
a part of the phone number in any form (0712, +254712, 712), of the MRN or of the identity
document or insurance member number; the best match first.

Names are compared word by word on keys kept beside the record (`name_key`: lower case, no
accents, no apostrophes). On PostgreSQL each typed word must be `word_similarity`-close to the
name (pg_trgm's `%>` operator, served by the trigram index of migration 0002) and the closest come
first. SQLite has no trigram index: one query takes a bounded set of candidates that share a piece
of each typed word (two typos cannot spoil all three pieces of a word), and RapidFuzz ranks them.
Either way a search is a constant number of queries, whatever the number of patients.
"""

import re
import unicodedata
from collections.abc import Iterator

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramStrictWordSimilarity
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from rapidfuzz import fuzz

from clinical.models import Patient, PatientState
from hms.phones import phone_key, phone_query_digits

MRN_DIGITS = 6
# pg_trgm's word_similarity a typed word needs (set on each PostgreSQL connection, apps.py):
# "wanjeru" is 0.5 of "wanjiru kamau", "kamua" (two letters swapped) 0.5 of "kamau".
WORD_SIMILARITY = 0.45
# RapidFuzz's ratio (0-100) a typed word needs against a word of the name (or its start): one
# letter wrong in five, two in seven.
RATIO_NEEDED = 70
# SQLite: how many candidates RapidFuzz ranks at most (those sharing the most pieces first).
CANDIDATES = 1500
APOSTROPHES = re.compile(r"['’‘`´]")
NOT_A_LETTER = re.compile(r"[^0-9a-z]+")
NOT_AN_ID = re.compile(r"[^0-9A-Z]+")
PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ()\-./]*")


def plain_words(text: str) -> str:
    """Lower case, accents dropped, apostrophes dropped, other marks a space: "Zoé O'Brien-Nyambura"
    -> "zoe obrien nyambura"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(NOT_A_LETTER.sub(" ", APOSTROPHES.sub("", text)).split())


def name_key(first_name: str, last_name: str) -> str:
    return plain_words(f"{first_name} {last_name}")


def document_key(number: str) -> str:
    """An identity document or member number as compared: upper case, letters and digits only."""
    return NOT_AN_ID.sub("", (number or "").upper())


def phone_digits(phone: str) -> str:
    return phone_key(phone)


def patient_matches(query: str, *, include_archived: bool = False) -> "QuerySet | RankedPatients":
    """Every patient the query finds, best first: a QuerySet on PostgreSQL, RankedPatients on
    SQLite (both page, count and slice alike)."""
    # A record merged into another is found through its MRN only, which leads to the survivor.
    patients = Patient.objects.filter(merged_into__isnull=True)
    if not include_archived:
        patients = patients.exclude(state=PatientState.ARCHIVED)
    query = (query or "").strip()
    words = plain_words(query).split()
    if not words:
        return patients.none()
    if PHONE_LIKE.fullmatch(query):
        return _by_number(patients, query)
    if connection.vendor == "postgresql":
        return _by_name_trigram(patients, query, words)
    return _by_name_rapidfuzz(patients, query, words)


def _documents(query: str) -> Q:
    """A typed identity document or member number, or a part of one (at least 4 characters)."""
    typed = document_key(query)
    if len(typed) < 4 or not any(c.isdigit() for c in typed):
        return Q(pk__in=[])
    return Q(id_number__contains=typed) | Q(member_key__contains=typed)


def _by_number(patients: QuerySet, query: str) -> QuerySet:
    """Digits: an MRN (or its start), an identity document, a part of a phone number."""
    digits = re.sub(r"\D", "", query)
    phone, from_start = phone_query_digits(query)
    in_phone = Q(phone_digits__startswith=phone) if from_start else Q(phone_digits__contains=phone)
    # An MRN typed whole (000123) or without its zeros (123); "0712" is a phone's start, not an
    # MRN: a phone typed the local way is found before MRNs that start with the same digits.
    whole = len(digits) == MRN_DIGITS or (len(digits) < MRN_DIGITS and digits[:1] != "0")
    mrn_exact = Q(mrn=digits.zfill(MRN_DIGITS)) if whole else Q(pk__in=[])
    if whole:  # the MRN of a record merged into this one (an alias)
        merged = Patient.objects.filter(mrn=digits.zfill(MRN_DIGITS), merged_into__isnull=False)
        mrn_exact |= Q(pk__in=merged.values("merged_into"))
    condition = mrn_exact | Q(mrn__startswith=digits) | _documents(query) | in_phone
    rank = Case(
        When(mrn_exact, then=Value(0)),
        When(id_number=digits, then=Value(1)),
        When(Q(phone_digits__startswith=phone), then=Value(2 if from_start else 3)),
        When(Q(mrn__startswith=digits), then=Value(3 if from_start else 2)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return (
        patients.filter(condition)
        .alias(rank=rank)
        .order_by("rank", "last_name", "first_name", "mrn")
    )


def _by_name_trigram(patients: QuerySet, query: str, words: list[str]) -> QuerySet:
    condition = Q()
    scores = []
    for word in words:
        condition &= Q(name_key__contains=word) | Q(TrigramWordSimilar(F("name_key"), Value(word)))
        # Ranked by the strict measure (whole words): word_similarity scores "wanjeru" 0.5
        # against both "wanjiru" and "wanjiku", strict 0.45 and 0.33; among 100,000 patients
        # the tie put Wanjiku first (tests/clinical/test_search_at_scale.py).
        scores.append(TrigramStrictWordSimilarity(Value(word), "name_key"))
    documents = _documents(query)
    return (
        patients.filter(condition | documents)
        .alias(
            score=Case(
                When(documents, then=Value(len(words) + 1.0)),
                default=sum(scores[1:], scores[0]),
                output_field=FloatField(),
            )
        )
        .order_by("-score", "last_name", "first_name", "mrn")
    )


def _pieces(word: str) -> list[str]:
    """Pieces of a typed word at least one of which survives its typos intact: a word of 6 or
    more letters may have 2 wrong (3 pieces), of 4 or 5 letters 1 (2 pieces), a shorter one none."""
    typos = 2 if len(word) >= 6 else 1 if len(word) >= 4 else 0
    size, extra = divmod(len(word), typos + 1)
    pieces, start = [], 0
    for n in range(typos + 1):
        end = start + size + (1 if n < extra else 0)
        pieces.append(word[start:end])
        start = end
    return pieces


def word_score(word: str, name_words: list[str]) -> float:
    """How close a typed word is to the closest word of the name (or to its start, as typed so
    far): 100 for "kama" in "kamau", 86 for "wanjeru" against "wanjiru"."""
    best = 0.0
    for name_word in name_words:
        if name_word.startswith(word):
            return 100.0
        if len(word) >= 3 and word in name_word:
            best = max(best, 90.0)
        best = max(best, fuzz.ratio(word, name_word), fuzz.ratio(word, name_word[: len(word)]))
    return best


def names_alike(typed: str, other: str) -> bool:
    """Whether two name keys name one person as the search sees it: every word of each is close
    to a word of the other (a letter or two wrong, the words in any order)."""
    typed_words, other_words = typed.split(), other.split()
    if not typed_words or not other_words:
        return False
    return all(word_score(w, other_words) >= RATIO_NEEDED for w in typed_words) and all(
        word_score(w, typed_words) >= RATIO_NEEDED for w in other_words
    )


def _by_name_rapidfuzz(patients: QuerySet, query: str, words: list[str]) -> "RankedPatients":
    condition = Q()
    hits = []
    for word in words:
        pieces = _pieces(word)
        condition &= Q(*[Q(name_key__contains=p) for p in pieces], _connector=Q.OR)
        hits += [When(name_key__contains=p, then=Value(1)) for p in pieces]
    shared = sum(
        (Case(h, default=Value(0), output_field=IntegerField()) for h in hits[1:]),
        Case(hits[0], default=Value(0), output_field=IntegerField()),
    )
    documents = _documents(query)
    rows = (
        patients.filter(condition | documents)
        .annotate(
            shared=shared,
            document=Case(When(documents, then=Value(1)), default=Value(0)),
        )
        .order_by("-document", "-shared", "name_key")
        .values_list("pk", "name_key", "mrn", "document")[:CANDIDATES]
    )
    ranked = []
    for pk, key, mrn, document in rows:
        name_words = key.split()
        scores = [word_score(word, name_words) for word in words]
        if document or min(scores) >= RATIO_NEEDED:
            ranked.append((-(1000 if document else sum(scores) / len(scores)), key, mrn, pk))
    ranked.sort()
    return RankedPatients([pk for *_, pk in ranked])


class RankedPatients:
    """Patients in a ranked order of their ids: counts without a query, and each slice (a page,
    a picker's first 20) is one query."""

    def __init__(self, ids: list) -> None:
        self.ids = ids

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: slice | int) -> "list[Patient] | Patient":
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = self.ids[index]
        found = Patient.objects.in_bulk(ids) if ids else {}
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[Patient]:
        return iter(self[:])
