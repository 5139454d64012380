"""What an inpatient episode carries forward to its discharge: the investigations done (with
their results and flags) and the medicines on the chart. Each module that holds them registers a
source here in its AppConfig.ready (lab its tests, pharmacy its medication orders); the discharge
order and the discharge summary ask this registry, so wards never imports lab or pharmacy
(DESIGN.md), as clinical.open_orders does for the orders still open.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ResultLine:
    """One reported value: "Haemoglobin 5.8 g/dL (13.0–17.0) critically low"."""

    name: str
    value: str
    unit: str = ""
    reference: str = ""
    flag: str = ""  # "", "L", "H", "LL", "HH"
    flag_label: str = ""  # "Low", "Critically high"; blank when normal


@dataclass(frozen=True)
class Investigation:
    """One test of the episode as the discharge summary lists it."""

    number: str
    name: str
    ordered_at: datetime
    status: str  # as staff read it: "Verified", "Pending"
    verified: bool
    results: list[ResultLine] = field(default_factory=list)
    findings: str = ""  # an imaging report's words

    @property
    def flagged(self) -> list[ResultLine]:
        return [line for line in self.results if line.flag]


@dataclass(frozen=True)
class MedicationLine:
    """A medicine on the episode's chart at the discharge: "Paracetamol 1 g oral, four times a
    day (PRN)"."""

    name: str
    dose: str
    route: str
    frequency: str
    active: bool


_INVESTIGATIONS: dict[str, Callable[[object], list[Investigation]]] = {}
_MEDICATIONS: dict[str, Callable[[object], list[MedicationLine]]] = {}


def register_investigations(name: str, source: Callable[[object], list[Investigation]]) -> None:
    """`source(admission)` (a wards.Admission, passed in) returns the episode's investigations."""
    _INVESTIGATIONS[name] = source


def register_medications(name: str, source: Callable[[object], list[MedicationLine]]) -> None:
    """`source(admission)` returns the medicines on the episode's chart."""
    _MEDICATIONS[name] = source


def investigations(admission) -> list[Investigation]:
    """Every investigation of the episode from every source, oldest first."""
    found = [test for source in _INVESTIGATIONS.values() for test in source(admission)]
    return sorted(found, key=lambda test: (test.ordered_at, test.number))


def medications(admission) -> list[MedicationLine]:
    """Every medicine on the episode's chart from every source, the active ones first."""
    found = [line for source in _MEDICATIONS.values() for line in source(admission)]
    return sorted(found, key=lambda line: (not line.active, line.name))


def medications_text(lines: list[MedicationLine]) -> str:
    """The active medicines as lines a doctor edits into "medications on discharge" (continue,
    change or stop each)."""
    return "\n".join(
        " ".join(part for part in (line.name, line.dose, line.route, line.frequency) if part)
        for line in lines
        if line.active
    )
