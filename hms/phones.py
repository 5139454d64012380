"""Phone numbers: read as a clerk types them, stored in E.164, shown the local way.

Parsing and validation are Google's libphonenumber rules (the `phonenumbers` package): a number
without a country code belongs to HMS_PHONE_REGION (KE), so "0712 100 003", "712100003" and
"+254 712 100 003" are one number, stored "+254712100003" and shown "0712 100 003". A number of
another country is shown in its international form ("+44 7700 900123").
"""

import functools
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

from hms.refusals import Refusal

NOT_A_PHONE = "Enter a phone number, e.g. 0712 345 678 or +254 712 345 678."


class PhoneRefused(Refusal, ValueError):
    """A typed phone number that is no phone number; str() is the message for the clerk."""


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    if text.startswith("00"):  # 00 44 …: the international prefix dialled from Kenya
        text = "+" + text[2:]
    try:
        return phonenumbers.parse(text, settings.HMS_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None


def phone_e164(text: str, *, field: str | None = None) -> str:
    """The E.164 form of a typed number ("0712 100 003" -> "+254712100003"); PhoneRefused when it
    is not a real number of its country (too short, too long, no such range)."""
    number = _parsed(text)
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneRefused(NOT_A_PHONE, field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_local(stored: str) -> str:
    """A stored number the way people here write it: "0712 100 003" for a Kenyan mobile, the
    national form for a Kenyan landline ("020 2345678"), the international form for a number of
    another country. A number stored before E.164 that cannot be read is shown as it was typed.

    Remembered per number and region (a list shows the same numbers page after page; parsing one
    costs libphonenumber ~40 µs)."""
    return _local(stored or "", settings.HMS_PHONE_REGION)


@functools.lru_cache(maxsize=4096)
def _local(stored: str, region: str) -> str:
    number = _parsed(stored)
    if number is None or not phonenumbers.is_possible_number(number):
        return stored
    if phonenumbers.region_code_for_number(number) == region:
        national = str(number.national_number)
        if region == "KE" and len(national) == 9 and national[0] in "17":
            return f"0{national[:3]} {national[3:6]} {national[6:]}"  # 0712 100 003
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_key(stored: str) -> str:
    """The digits a search compares: the E.164 digits of a number that can be read
    ("254712100003"), else the digits as typed."""
    number = _parsed(stored)
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return re.sub(r"\D", "", stored or "")


def phone_query_digits(query: str) -> tuple[str, bool]:
    """What a typed part of a phone number searches for, and whether it is the number's start:
    "0712" and "+254712" and "254712" are the start of "254712…", "712" is anywhere in it."""
    digits = re.sub(r"\D", "", query or "")
    text = (query or "").strip()
    country = str(phonenumbers.country_code_for_region(settings.HMS_PHONE_REGION))
    if text.startswith("+") or (text.startswith(country) and len(digits) > len(country) + 2):
        return digits, True
    if text.startswith("00"):
        return digits[2:], True
    if text.startswith("0"):
        return country + digits[1:], True
    return digits, False


def validate_phone(value: str) -> None:
    """Model field validator: a number stored must be a real one (services store E.164)."""
    if value:
        try:
            phone_e164(value)
        except PhoneRefused as refusal:
            raise ValidationError(str(refusal), code="invalid") from None
