"""What a request carries, parsed once: query parameters and posted values as typed Python values.

Every screen reads its query parameters and posted fields through these parsers (or a Django form
built from the fields below), so an odd value (an impossible date, an id that is not an id, a number
in Python's own syntax, an over-long text, a `next` that is not a path) turns into a fallback or a
plain message, never into a 500 or into a value silently changed.

Two kinds of parser:
- query parameters (`date_param`, `db_id`, `uuid_param`, ...) answer None for a bad value: the
  page falls back to its default (today, all doctors);
- posted values (`amount`, `plain_decimal`, `bounded_text`) raise `ValueRefused` with the sentence
  to show beside the field; the same rules are Django form fields (`MoneyField`,
  `PlainDecimalField`, `PlainIntegerField`) and `plain_formfield` for model forms.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme

from hms.money import money
from hms.refusals import Refusal

# The largest id a database column holds (bigint); a longer number is no id of ours.
BIGINT_MAX = 2**63 - 1
# Plain decimal notation as people type it: digits, at most one point, an optional sign. Not
# Python's syntax (1_000, 1e3, NaN, Infinity) and no other scripts' digits (ASCII only).
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
# Amounts the ledger holds: 2 places, up to 14 digits (the widest money column).
MONEY_PLACES = 2
MONEY_DIGITS = 14
NOT_A_NUMBER = "Enter a number in plain digits, e.g. 1500 or 1500.50."
NOT_AN_AMOUNT = "Enter the amount as a number, e.g. 1500, 1,500 or 1500.50."
# An amount as the desk writes it, thousands grouped by threes with a comma or a space (what a
# phone's keyboard and a pasted M-Pesa message put there): "1,500", "1 500", "12,000.50". One
# separator throughout; a group of other than three digits ("1,50", "15,00") is refused, since
# a comma there may be someone's decimal point.
GROUPED_AMOUNT = re.compile(
    r"[+-]?[0-9]{1,3}(?P<sep>[, \u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?:\.[0-9]*)?", re.ASCII
)
# Minus signs people type besides the hyphen-minus: the true minus (U+2212) a hint or a pasted
# figure carries, and the en dash (U+2013) a word processor puts in its place.
MINUS_SIGNS = "\u2212\u2013"


def ungrouped(value):
    """`value` with its thousands separators taken out when it is an amount grouped by threes
    ("1,500.50" -> "1500.50", "1 500" -> "1500"); anything else unchanged (for the parser that
    follows to accept or refuse)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if GROUPED_AMOUNT.fullmatch(text):
        return re.sub(r"[, \u00a0\u202f]", "", text)
    return value


def with_plain_minus(value):
    """`value` with a leading true minus ("\u22125", as a hint shows it) written as the
    hyphen-minus every parser reads; anything else unchanged."""
    if isinstance(value, str) and value.strip()[:1] in MINUS_SIGNS:
        return "-" + value.strip()[1:]
    return value


class ValueRefused(Refusal, ValueError):
    """A posted value that cannot be taken as typed; str() is the message for the person."""


# --- query parameters (bad value -> None) ----------------------------------------------------


# What a date input takes: day first, the year in full ("04/12/1988" is 4 December 1988), or the
# ISO form links and older bookmarks carry (2026-12-05). Never month first, never a 2-digit year.
DAY_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d"]
DAY_PLACEHOLDER = "dd/mm/yyyy"


def day_typed(value: str | None) -> date | None:
    """A calendar date as a person types it (DAY_INPUT_FORMATS), or None for anything else
    (31/02/2026, 12/31/1988 read day first, a 2-digit year, text)."""
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 20:
        return None
    text = " ".join(value.split())
    for pattern in DAY_INPUT_FORMATS:
        try:
            typed = datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
        if typed.year >= 1000:  # "1/1/88" is no year of a record
            return typed
    return None


# The days a record of the hospital can be about: a birth long ago (clinical says "older than
# 130" itself), a leave, a report period. A year 9999 typed by mistake is refused here rather
# than overflow a screen's "next two weeks".
FIRST_DAY = date(1800, 1, 1)
LAST_DAY = date(2100, 12, 31)
DAY_OUT_OF_RANGE = f"Enter a date from {FIRST_DAY.year} to {LAST_DAY.year}."


def date_param(value: str | None) -> date | None:
    """A calendar date in a query: typed day first (05/12/2026) or as YYYY-MM-DD (2026-12-05);
    None for anything else (2025-02-29, 2026-13-01, 0000-00-00) and outside FIRST_DAY..LAST_DAY."""
    if not isinstance(value, str) or len(value) > 20:
        return None
    try:
        found = parse_date(value.strip()) or day_typed(value)
    except ValueError:  # well formed but not a day of the calendar
        return None
    return found if found is not None and FIRST_DAY <= found <= LAST_DAY else None


def day_value(day: date | None) -> str:
    """A date as a date input shows it: "04/12/1988" (DAY_INPUT_FORMATS' first)."""
    return day.strftime("%d/%m/%Y") if day else ""


@dataclass(frozen=True)
class TypedPeriod:
    """A period picker's two dates as read from a query (`first`, `last`: None when blank or
    refused), what was typed in each box (`typed`, by parameter name, to show it again) and why
    a box was not taken (`refused`, by parameter name, the sentence to show beside it)."""

    first: date | None
    last: date | None
    typed: dict[str, str]
    refused: dict[str, str]
    swapped: bool = False


def period_typed(query, *, first: str = "from", last: str = "to") -> TypedPeriod:
    """The period a query asks for, without falling back in silence: a date that is no day of
    the calendar ("2026-02-31", "abc") is refused with a sentence naming what was typed; a period
    whose first day comes after its last is taken the right way round (`swapped`) and said so.
    The screen chooses its own default for a missing end and shows the period it used."""
    typed, refused, days = {}, {}, {}
    for name in (first, last):
        text = query.get(name) if isinstance(query.get(name), str) else ""
        typed[name] = text.strip()[:40]
        days[name] = date_param(text) if text.strip() else None
        if text.strip() and days[name] is None:
            shown = typed[name][:20]
            refused[name] = (
                f"“{shown}” is not a date of the calendar: write it as day/month/year,"
                f" e.g. {day_value(EXAMPLE_DAY)}."
            )
    start, end = days[first], days[last]
    swapped = bool(start and end and start > end)
    if swapped:
        start, end = end, start
        refused[last] = (
            "The period ended before it started: the two dates are taken the other way round."
        )
    return TypedPeriod(start, end, typed, refused, swapped)


def db_id(value) -> int | None:
    """A database id (a positive whole number a bigint column holds) typed in plain digits, or
    None ("x", "-1", "0", "1.5", "²", "1_000", 20 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 19 and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 0 < number <= BIGINT_MAX else None


def db_ids(values) -> list[int]:
    """The ids among `values` (a QueryDict's getlist), bad ones left out, each once."""
    return list(dict.fromkeys(i for i in map(db_id, values) if i is not None))


def uuid_param(value) -> uuid.UUID | None:
    """A UUID (a patient's id), or None."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def hospital_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_datetime(value: str | None) -> datetime | None:
    """A date and time as a browser sends it (2026-12-05T10:00, or with an offset), as an aware
    datetime: without an offset it is the hospital's local time (settings.TIME_ZONE). None for
    anything that is not a real moment, and for a day outside FIRST_DAY..LAST_DAY (0001-01-01
    overflowed the history's query, session 33)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:  # well formed but impossible (month 13, 25 o'clock)
        return None
    if moment is None or not FIRST_DAY <= moment.date() <= LAST_DAY:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=hospital_zone())
    return moment


def choice_param(value, choices) -> str:
    """`value` if it is one of `choices` (values or (value, label) pairs), else ""."""
    allowed = {c[0] if isinstance(c, (tuple, list)) else c for c in choices}
    return value if isinstance(value, str) and value in allowed else ""


def search_text(value, limit: int = 80) -> str:
    """A search box's text: stripped and cut to what a search needs (a search is not stored)."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def safe_next(request: HttpRequest, fallback: str, *args, **kwargs) -> str:
    """Where to go after an action: the posted (or queried) `next` when it is a path on this
    site, else `fallback` (a URL name with its arguments, or a path). Never an error: an action
    that has been done must not answer with one."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if is_local_path(request, candidate):
        return candidate
    return resolve_url(fallback, *args, **kwargs)


def is_local_path(request: HttpRequest, candidate) -> bool:
    """Whether `candidate` is a path on this site ("/billing/claims/?status=paid"): not another
    host, not a scheme (javascript:), not a word that is no path at all ("back-to-list")."""
    return (
        isinstance(candidate, str)
        and candidate.startswith("/")
        and len(candidate) <= 2000
        and candidate.isprintable()
        and " " not in candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


# --- posted values (bad value -> ValueRefused with its message) ------------------------------


def plain_decimal(
    value,
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    allow_negative: bool = False,
) -> Decimal:
    """A number typed in plain decimal notation, exactly as typed: more places than the field
    holds, Python's syntax (1_000, 1e3, NaN) and too many digits are refused, never rounded; a
    true minus (U+2212) reads as the hyphen-minus."""
    text = with_plain_minus(value).strip() if isinstance(value, str) else ""
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValueRefused(NOT_A_NUMBER)
    if text.startswith("-") and not allow_negative and Decimal(text) != 0:
        raise ValueRefused("Enter a number of zero or more.")
    number = Decimal(text)
    _, digits, exponent = number.as_tuple()
    decimals = max(0, -exponent)
    if decimals > places:
        raise ValueRefused(
            f"Enter at most {places} decimal places." if places else "Enter a whole number."
        )
    if len(digits) - decimals + places > max_digits and number != 0:
        raise ValueRefused("That number is too large.")
    if minimum is not None and number < minimum:
        raise ValueRefused(f"Enter {minimum} or more.")
    if maximum is not None and number > maximum:
        raise ValueRefused(f"Enter {maximum} or less.")
    return number


def amount(value, *, blank_is_zero: bool = False) -> Decimal:
    """An amount of money as typed at a desk (1500, 1,500, 1 500, 1500.50): 2 places at most,
    plain digits (thousands grouped by threes allowed), at most 14 digits; refused otherwise,
    never rounded."""
    text = ungrouped(value).strip() if isinstance(value, str) else ""
    if not text and blank_is_zero:
        return money("0")
    if not text:
        raise ValueRefused("Enter the amount.")
    try:
        number = plain_decimal(
            text, places=MONEY_PLACES, max_digits=MONEY_DIGITS, allow_negative=False
        )
    except ValueRefused as refusal:
        if str(refusal) == NOT_A_NUMBER:
            raise ValueRefused(NOT_AN_AMOUNT) from None
        if "decimal places" in str(refusal):
            raise ValueRefused("Enter the amount in cents at most, e.g. 1500.50.") from None
        raise
    return money(number)


def bounded_text(value, *, limit: int, label: str = "", required: str = "") -> str:
    """Free text stripped of surrounding spaces; longer than `limit` is refused with a message
    naming the limit (never cut), blank is refused when `required` says what to write."""
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise ValueRefused(f"{label or 'This text'} contains a character that cannot be stored.")
    if len(text) > limit:
        what = label or "This"
        raise ValueRefused(f"{what}: at most {limit:,} characters (this has {len(text):,}).")
    if not text and required:
        raise ValueRefused(required)
    return text


def model_limit(model: type[models.Model], field: str) -> int:
    """The max_length of a model's text field: the limit a posted text is checked against."""
    return model._meta.get_field(field).max_length


# --- the same rules as form fields -----------------------------------------------------------


def plain_limits(field: forms.Field) -> None:
    """The field's least and greatest value said in plain words ("Enter 1 or more.") where the
    validator has Django's own ("Ensure this value is greater than or equal to 1."); a message
    a model or a form gave the limit is kept."""
    plain = {
        MinValueValidator: "Enter %(limit_value)s or more.",
        MaxValueValidator: "Enter %(limit_value)s or less.",
    }
    for at, validator in enumerate(field.validators):
        kind = type(validator)
        if kind in plain and validator.message == kind.message:
            field.validators[at] = kind(validator.limit_value, plain[kind])


class PlainDecimalField(forms.DecimalField):
    """forms.DecimalField that takes plain decimal notation only (Django's accepts 1_000 and
    1e3 because Python's Decimal does); its messages in plain words ("Enter 0 or more.", never
    Django's "Ensure this value is greater than or equal to 0.")."""

    default_error_messages = {
        "invalid": NOT_A_NUMBER,
        "max_digits": "That number is too large.",
        "max_whole_digits": "That number is too large.",
        "max_decimal_places": "Enter at most %(max)s decimal places.",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        plain_limits(self)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not PLAIN_NUMBER.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class AmountInput(forms.TextInput):
    """A text box for an amount: a number box (type=number) would not let "1,500" be typed."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off"} | (attrs or {}))


class MoneyField(PlainDecimalField):
    """An amount of money: plain digits, thousands grouped by threes allowed ("1,500", "1 500"),
    2 places at most (refused, never rounded)."""

    widget = AmountInput
    default_error_messages = {
        "invalid": NOT_AN_AMOUNT,
        "max_decimal_places": "Enter the amount in cents at most, e.g. 1500.50.",
        "max_digits": "That amount is too large.",
        "max_whole_digits": "That amount is too large.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(ungrouped(value))


class PlainIntegerField(forms.IntegerField):
    """forms.IntegerField that takes plain digits only (Django's accepts 1_000 and ²-like digits
    of other scripts because Python's int does); a negative number may start with the true
    minus (U+2212) as well as the hyphen-minus, so "−5" as a hint writes it is "-5". Its
    messages in plain words, never Django's "Ensure this value is ..."."""

    default_error_messages = {
        "invalid": "Enter a whole number, e.g. 24.",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        plain_limits(self)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = with_plain_minus(str(value))
        if not PLAIN_INTEGER.fullmatch(text) or len(text.lstrip("+-")) > 18:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class DayInput(forms.DateInput):
    """A date typed as text, day first: the browser's date picker shows the date in the
    browser's locale (mm/dd/yyyy on a US-set tablet), so it is not used."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None):
        defaults = {
            "placeholder": DAY_PLACEHOLDER,
            "autocomplete": "off",
            "maxlength": "20",
        }
        super().__init__(attrs=defaults | (attrs or {}), format="%d/%m/%Y")


# The day a date field's message shows as its example unless the field gives its own (a birth
# date's example is a birth date, an expiry date's one to come).
EXAMPLE_DAY = date(2026, 12, 4)


def day_example(what: str = "date", example: date = EXAMPLE_DAY) -> str:
    """How to write `what` (a date field's name in words): "Enter the expiry date as
    day/month/year, e.g. 30/11/2028 for 30 November 2028."."""
    return (
        f"Enter the {what} as day/month/year, e.g. {example:%d/%m/%Y}"
        f" for {example.day} {example:%B %Y}."
    )


class DayField(forms.DateField):
    """A date typed day first (DAY_INPUT_FORMATS), with a message that shows how to write it:
    `what` names the date ("expiry date") and `example` is a day such a date could be."""

    widget = DayInput
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {
        "invalid": day_example(),
        "required": "Enter the date.",
    }

    def __init__(self, *, what: str = "", example: date | None = None, **kwargs):
        super().__init__(**kwargs)
        messages = kwargs.get("error_messages") or {}
        if what and "invalid" not in messages:
            self.error_messages["invalid"] = day_example(what, example or EXAMPLE_DAY)
        if what and "required" not in messages:
            self.error_messages["required"] = f"Enter the {what}."

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            typed = day_typed(value)
            if typed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        else:
            typed = super().to_python(value)
        if typed is not None and not FIRST_DAY <= typed <= LAST_DAY:
            raise ValidationError(DAY_OUT_OF_RANGE, code="out_of_range")
        return typed


def plain_formfield(db_field: models.Field, **kwargs):
    """formfield_callback for model forms: numbers in plain notation only, dates typed day first
    (DayField)."""
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DayField)
        kwargs.setdefault("widget", DayInput)
    elif isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", PlainDecimalField)
    elif isinstance(db_field, models.IntegerField) and not db_field.choices:
        kwargs.setdefault("form_class", PlainIntegerField)
    return db_field.formfield(**kwargs)


# A date and time typed day first, as dates are (DayField): the browser's own date-time picker would
# show the tablet's locale (mm/dd/yyyy on a US-set one). ISO (2026-12-05T08:30) is taken too.
MOMENT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
]
MOMENT_PLACEHOLDER = "dd/mm/yyyy hh:mm"
NOT_A_MOMENT = "Enter the date and time as day/month/year hours:minutes, e.g. 05/12/2026 08:30."


def moment_typed(value: str) -> datetime | None:
    """A date and time as a person types it (MOMENT_FORMATS), in the hospital's time zone, or
    None for anything else (31/02/2026 10:00, 25:00, a 2-digit year, text)."""
    text = " ".join(value.split()) if isinstance(value, str) and len(value) <= 40 else ""
    for pattern in MOMENT_FORMATS:
        try:
            typed = datetime.strptime(text, pattern)  # noqa: DTZ007 (made aware below)
        except ValueError:
            continue
        if typed.year >= 1000:
            return timezone.make_aware(typed, hospital_zone())
    return None


class MomentField(forms.CharField):
    """A date and time typed day first, as an aware datetime (None when left empty)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        attrs = {"placeholder": MOMENT_PLACEHOLDER, "autocomplete": "off", "inputmode": "numeric"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        moment = moment_typed(text)
        if moment is None:
            raise forms.ValidationError(NOT_A_MOMENT)
        return moment
