"""Physiological ranges for vitals: what is impossible (refused) and what is abnormal (flagged).

Adult reference ranges; a children's table would join here when paediatric charts are needed.
"""

from dataclasses import dataclass
from decimal import Decimal

from clinical import news2


@dataclass(frozen=True)
class Range:
    label: str
    unit: str
    possible: tuple[Decimal, Decimal]
    normal: tuple[Decimal, Decimal] | None


def _r(low, high) -> tuple[Decimal, Decimal]:
    return Decimal(str(low)), Decimal(str(high))


# The normal range of a reading NEWS2 scores is the chart's band scoring 0 (SpO2: scale 1), and
# its flag is the chart's (clinical.news2.reading_flag), so the table never disagrees with it.
RANGES: dict[str, Range] = {
    "temperature_c": Range("Temperature", "°C", _r(25, 45), _r(36.1, 38.0)),
    "pulse": Range("Pulse", "/min", _r(20, 250), _r(51, 90)),
    "systolic": Range("Systolic BP", "mmHg", _r(40, 300), _r(111, 219)),
    "diastolic": Range("Diastolic BP", "mmHg", _r(20, 200), _r(60, 90)),
    "respiratory_rate": Range("Respiratory rate", "/min", _r(4, 80), _r(12, 20)),
    "spo2": Range("SpO₂", "%", _r(40, 100), _r(96, 100)),
    "weight_kg": Range("Weight", "kg", _r(0.3, 400), None),
    "height_cm": Range("Height", "cm", _r(30, 250), None),
    "pain_score": Range("Pain", "/10", _r(0, 10), _r(0, 3)),
}


def impossible(field: str, value) -> str | None:
    """The sentence a nurse reads when a value cannot be right (a typo, a wrong unit)."""
    if value is None:
        return None
    low, high = RANGES[field].possible
    if not low <= Decimal(str(value)) <= high:
        spec = RANGES[field]
        return (
            f"{spec.label} {value} {spec.unit} is not possible: check the reading ({low}–{high})."
        )
    return None


def flag(field: str, value, *, spo2_scale: int = 1, on_oxygen: bool | None = None) -> str:
    """'low', 'high' or '' (normal, or no normal range); a reading NEWS2 scores is flagged by
    the chart's bands, SpO2 on the scale it was taken on."""
    spec = RANGES.get(field)
    if value is None or spec is None or spec.normal is None:
        return ""
    if field in news2.BANDS:
        return news2.reading_flag(field, value, spo2_scale=spo2_scale, on_oxygen=on_oxygen)
    low, high = spec.normal
    number = Decimal(str(value))
    if number < low:
        return "low"
    if number > high:
        return "high"
    return ""
