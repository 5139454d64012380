"""Dates and times written exactly as Django's `date` filter writes them, at a tenth of its cost.

Django's filter looks the format up (`formats.get_format`), splits it with a regular expression
and calls a method per letter, through a lazy translation for each month or weekday name: ~38 µs
a date on the hospital's box, and a list of 50 rows shows 50 to 100 of them (3-4 ms of a page).
Here a format is split once per format and language, and each letter is one small function;
the names are Django's own (django.utils.dates), read once per language. A letter not handled
here, a value that is not a date or a datetime, or a time letter on a plain date goes to Django
itself, so the result is always Django's (tests/hms/test_dates.py compares the two for every
letter here, every format the hospital names, and many instants).

`{{ value|date:"j M Y" }}` uses it too: hms.templatetags.display registers it as the builtin
`date` filter, in Django's filter's place.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import cache

from django.core.signals import setting_changed
from django.template.defaultfilters import date as django_date_filter
from django.utils import formats, translation
from django.utils.dateformat import re_escaped, re_formatchars
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR


class _Names:
    """Django's month and weekday names in one language, as plain text."""

    def __init__(self) -> None:
        self.months = {number: str(name) for number, name in MONTHS.items()}
        self.months_3 = {number: str(name) for number, name in MONTHS_3.items()}
        self.months_ap = {number: str(name) for number, name in MONTHS_AP.items()}
        self.weekdays = {number: str(name) for number, name in WEEKDAYS.items()}
        self.weekdays_abbr = {number: str(name) for number, name in WEEKDAYS_ABBR.items()}


Letter = Callable[[date, _Names], str]

# The date letters, as django.utils.dateformat.DateFormat writes them.
_DATE_LETTERS: dict[str, Letter] = {
    "d": lambda value, names: f"{value.day:02d}",
    "j": lambda value, names: str(value.day),
    "D": lambda value, names: names.weekdays_abbr[value.weekday()],
    "l": lambda value, names: names.weekdays[value.weekday()],
    "m": lambda value, names: f"{value.month:02d}",
    "n": lambda value, names: str(value.month),
    "b": lambda value, names: names.months_3[value.month],
    "M": lambda value, names: names.months_3[value.month].title(),
    "F": lambda value, names: names.months[value.month],
    "N": lambda value, names: names.months_ap[value.month],
    "y": lambda value, names: f"{value.year % 100:02d}",
    "Y": lambda value, names: f"{value.year:04d}",
}
# The time letters (django.utils.dateformat.TimeFormat): a datetime's only.
_TIME_LETTERS: dict[str, Letter] = {
    "G": lambda value, names: str(value.hour),
    "H": lambda value, names: f"{value.hour:02d}",
    "i": lambda value, names: f"{value.minute:02d}",
    "s": lambda value, names: f"{value.second:02d}",
}

# A compiled format: its pieces in order, each literal text or a letter's function; and
# whether it has a time letter.
Compiled = tuple[tuple[str | Letter, ...], bool]


@cache
def _compiled(format_string: str) -> Compiled | None:
    """`format_string` split as DateFormat.format splits it; None when a letter is not here."""
    pieces: list[str | Letter] = []
    timed = False
    for position, piece in enumerate(re_formatchars.split(format_string)):
        if position % 2:
            letter = _DATE_LETTERS.get(piece) or _TIME_LETTERS.get(piece)
            if letter is None:
                return None
            timed = timed or piece in _TIME_LETTERS
            pieces.append(letter)
        elif piece:
            pieces.append(re_escaped.sub(r"\1", piece))
    return tuple(pieces), timed


@cache
def _names(language: str | None) -> _Names:
    return _Names()


@cache
def _format_of(arg: str | None, language: str | None) -> str:
    """The format `arg` names (DATE_FORMAT when none), as formats.date_format finds it."""
    return str(formats.get_format(arg or "DATE_FORMAT"))


def _settings_changed(*, setting: str, **kwargs: object) -> None:
    """A test that overrides a format (or where formats come from) finds it, as Django's own
    format cache is reset then (django.test.signals.localize_settings_changed)."""
    if setting.endswith("FORMAT") or setting in ("FORMAT_MODULE_PATH", "LANGUAGE_CODE"):
        _format_of.cache_clear()


setting_changed.connect(_settings_changed)


def date_text(value: object, arg: str | None = None) -> str:
    """`value` as `{{ value|date:arg }}` writes it: `arg` a format's name ("DATE_FORMAT",
    "SHORT_DATETIME_FORMAT") or a format ("j M Y H:i"), DATE_FORMAT when None; "" for None
    or "". A datetime is written as it is given (the template converts an aware one to the
    hospital's zone first; a caller in Python passes timezone.localtime(...))."""
    if value is None or value == "":
        return ""
    kind = type(value)
    if kind is not datetime and kind is not date:
        return django_date_filter(value, arg)
    language = translation.get_language()
    compiled = _compiled(_format_of(arg, language))
    if compiled is None or (compiled[1] and kind is date):
        return django_date_filter(value, arg)
    names = _names(language)
    return "".join(
        piece if piece.__class__ is str else piece(value, names) for piece in compiled[0]
    )


def date_writer(arg: str | None = None) -> Callable[[object], str]:
    """`date_text(value, arg)` as a function of the value, the format and the language's names
    looked up once: for a list that writes many dates in one format (a machine's status
    history), ~7 calls a date rather than ~20."""
    language = translation.get_language()
    compiled = _compiled(_format_of(arg, language))
    if compiled is None:
        return lambda value: date_text(value, arg)
    pieces, timed = compiled
    names = _names(language)

    def write(value: object) -> str:
        kind = type(value)
        if (kind is not datetime and kind is not date) or (timed and kind is date):
            return date_text(value, arg)
        return "".join(
            [piece if piece.__class__ is str else piece(value, names) for piece in pieces]
        )

    return write
