"""A finance metric for the dashboard's tests (the real ones are other modules' work): fixed
takings, with a name that starts like a formula, so the accountant's part and the exports'
cells can be checked whatever metrics are registered."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template import engines

from reports.metrics import Metric, Table

# Text a spreadsheet would run as a formula if written as it is.
FORMULA = '=HYPERLINK("http://x","pay")'


@dataclass(frozen=True)
class Takings:
    total: Decimal

    def tables(self) -> list[Table]:
        return [
            Table(
                "takings",
                "Takings by day",
                ("Day", "Payer", "Amount"),
                [
                    (date(2026, 11, 17), FORMULA, Decimal("1234.50")),
                    (date(2026, 11, 18), "+254700000000", Decimal("-5.00")),
                ],
            )
        ]

    def charts(self) -> list:
        return []


@dataclass(frozen=True)
class FinanceMetric(Metric):
    @property
    def template(self):
        return engines["django"].from_string(
            '<p data-testid="takings">Takings: {{ result.total }}</p>'
        )


TAKINGS = FinanceMetric(
    key="takings",
    title="Takings",
    definition="Money taken at the desk (a test's metric).",
    finance=True,
    compute=lambda period: Takings(Decimal("1229.50")),
)
