"""How many dispensing units a prescription needs: dose × doses a day × days, read from the words a
doctor types ("1 tablet", "TDS", "5 days"), only where that reading is unambiguous.

Pure functions, no database: the prescribing form shows the figure as the doctor types, and the
service uses the same reading when the doctor leaves the quantity blank. Anything this module
cannot read for certain (a syrup's 5 ml, a cream, "as needed", "1 month") gives None, and the
doctor types the quantity (docs/DECISIONS.md, "Pharmacy: formulary").
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# Forms whose dose is counted in whole shelf units (a tablet, a vial, a sachet). A syrup's dose is
# millilitres of a bottle, a cream's an amount of a tube, an inhaler's puffs of a canister: which
# of those a bottle holds is the pharmacist's judgement, so those are never computed.
COUNTABLE_FORMS = frozenset(
    {"tablet", "capsule", "sachet", "injection", "pessary", "suppository", "supply"}
)

# Words a dose may end with that count shelf units ("2 tablets", "1 vial"); "mg", "ml", "units"
# (insulin), "puffs" and the like are amounts inside a unit, so not counted.
_UNIT_WORDS = {
    "tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "sachet", "sachets",
    "vial", "vials", "ampoule", "ampoules", "amp", "amps", "pessary", "pessaries",
    "suppository", "suppositories", "pair", "pairs", "piece", "pieces",
}  # fmt: skip

_NUMBER = r"(?P<number>\d+(?:\.\d+)?|\d+/\d+|½|¼|¾|one|two|three|four|half)"
_DOSE = re.compile(rf"^{_NUMBER}(?:\s+(?P<unit>[a-z]+))?$")
_WORD_NUMBERS = {
    "one": Fraction(1),
    "two": Fraction(2),
    "three": Fraction(3),
    "four": Fraction(4),
    "half": Fraction(1, 2),
    "½": Fraction(1, 2),
    "¼": Fraction(1, 4),
    "¾": Fraction(3, 4),
}

# Doses a day for the words and abbreviations Kenyan prescribers write.
_PER_DAY = {
    "od": 1, "once a day": 1, "once daily": 1, "daily": 1, "mane": 1,
    "in the morning": 1, "every morning": 1, "nocte": 1, "at night": 1, "every night": 1,
    "bd": 2, "bid": 2, "twice a day": 2, "twice daily": 2, "tds": 3, "tid": 3,
    "three times a day": 3, "three times daily": 3, "qid": 4, "qds": 4, "four times a day": 4,
    "four times daily": 4,
}  # fmt: skip
_EVERY_HOURS = re.compile(r"^(?:every|q)\s*(?P<hours>\d+)\s*(?:hours?|hrs?|h)(?:ly)?$")
_HOURLY = re.compile(r"^(?P<hours>\d+)\s*(?:-\s*)?hourly$")
_TIMES_A_DAY = re.compile(r"^(?P<times>\d+)\s*(?:times|x)\s*(?:a day|daily|per day)$")
# "as needed" and a single dose are never a count of days.
_AMBIGUOUS_FREQUENCIES = ("prn", "as needed", "when needed", "when required", "sos", "stat")

_DAYS = re.compile(r"^(?:for\s+|x\s*)?(?P<count>\d+)\s*(?P<unit>days?|d|weeks?|wks?|w)$")
# "5/7" is five days, "2/52" two weeks: the clinic's shorthand.
_SHORTHAND = re.compile(r"^(?P<count>\d+)\s*/\s*(?P<per>7|52)$")


def _clean(text: str) -> str:
    text = (text or "").strip().lower().replace(".", "")
    return re.sub(r"\s+", " ", text).strip()


def units_per_dose(dose: str) -> Fraction | None:
    """Shelf units in one dose: "1 tablet" → 1, "2" → 2, "½ tab" → 1/2; None for "5 ml",
    "500 mg", "2 puffs" or anything else."""
    text = (dose or "").strip().lower()
    text = re.sub(r"\s+", " ", text)
    match = _DOSE.match(text)
    if not match:
        return None
    if match["unit"] and match["unit"] not in _UNIT_WORDS:
        return None
    number = match["number"]
    if number in _WORD_NUMBERS:
        value = _WORD_NUMBERS[number]
    elif "/" in number:
        top, bottom = number.split("/")
        if int(bottom) == 0:
            return None
        value = Fraction(int(top), int(bottom))
    else:
        value = Fraction(number)
    return value if value > 0 else None


def doses_per_day(frequency: str) -> int | None:
    """Doses a day: "TDS" / "three times a day" / "every 8 hours" → 3; None for "PRN", "as
    needed", "stat", "weekly" or words this module does not know."""
    text = _clean(frequency)
    if not text or any(word in text for word in _AMBIGUOUS_FREQUENCIES):
        return None
    if text in _PER_DAY:
        return _PER_DAY[text]
    match = _EVERY_HOURS.match(text) or _HOURLY.match(text)
    if match:
        hours = int(match["hours"])
        return 24 // hours if hours and 24 % hours == 0 else None
    match = _TIMES_A_DAY.match(text)
    if match and 0 < int(match["times"]) <= 24:
        return int(match["times"])
    return None


def days_of(duration: str) -> int | None:
    """Days of treatment: "5 days" → 5, "1 week" → 7, "2/52" → 14, "5/7" → 5; None for "1 month"
    (28, 30 or 31?), "until review", or a bare number."""
    text = _clean(duration)
    match = _DAYS.match(text)
    if match:
        count = int(match["count"])
        return count * 7 if match["unit"].startswith("w") else count
    match = _SHORTHAND.match(text)
    if match:
        return int(match["count"]) * (7 if match["per"] == "52" else 1)
    return None


@dataclass(frozen=True)
class Reading:
    """What the words say: the quantity to dispense, or None and why not (for the doctor)."""

    quantity: int | None
    why_not: str = ""


def quantity_to_dispense(*, dose: str, frequency: str, duration: str, form: str) -> Reading:
    """Whole dispensing units for `dose` × `frequency` × `duration` of an item of `form` (a
    pharmacy.ItemForm value), rounded up (half a tablet twice a day for 5 days is 5 tablets),
    or None with the reason when the words are ambiguous."""
    if form not in COUNTABLE_FORMS:
        return Reading(None, "A liquid, cream or inhaler is not counted from the dose: type it.")
    per_dose = units_per_dose(dose)
    if per_dose is None:
        return Reading(None, "The dose is not a count of units (e.g. 1 tablet): type it.")
    per_day = doses_per_day(frequency)
    if per_day is None:
        return Reading(None, "The frequency is not a fixed number a day: type it.")
    days = days_of(duration)
    if days is None:
        return Reading(None, "The duration is not in days or weeks: type it.")
    total = math.ceil(per_dose * per_day * days)
    if total <= 0:
        return Reading(None, "The dose gives nothing to dispense: type it.")
    return Reading(total)


_AMOUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>mg|g|mcg|microgram|micrograms)$")
_MG_PER = {"mg": Fraction(1), "g": Fraction(1000), "mcg": Fraction(1, 1000)}
_MG_PER["microgram"] = _MG_PER["micrograms"] = _MG_PER["mcg"]


def _milligrams(text: str) -> Fraction | None:
    match = _AMOUNT.match(re.sub(r"\s+", " ", (text or "").strip().lower()))
    return Fraction(match["number"]) * _MG_PER[match["unit"]] if match else None


def daily_dose_mg(*, dose: str, frequency: str, strength: str) -> Decimal | None:
    """Milligrams a day: a dose in mg/g/mcg ("1 g") or in shelf units ("2 tablets") of a single
    strength ("500 mg"), times doses a day; None when the words do not say it for certain (a
    combination strength "20/120 mg", millilitres, "as needed")."""
    per_day = doses_per_day(frequency)
    if per_day is None:
        return None
    amount = _milligrams(dose)
    if amount is None:
        units = units_per_dose(dose)
        strength_mg = _milligrams(strength)
        if units is None or strength_mg is None:
            return None
        amount = units * strength_mg
    total = amount * per_day
    return (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("0.01"))


def mg_words(amount: Decimal) -> str:
    """ "4000 mg" → "4 g"; "400 mg" stays; for the doctor's sentence."""
    amount = Decimal(amount)
    if amount >= 1000 and amount % 1000 == 0:
        return f"{amount / 1000:f}".rstrip("0").rstrip(".") + " g"
    return f"{amount.normalize():f} mg"
