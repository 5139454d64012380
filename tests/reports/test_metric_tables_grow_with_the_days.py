"""A metric's export tables cost one step per row, not one per row per day of the period.

Found while trying long periods (issue 20's hostile pass): the occupancy and revenue tables
rebuild a whole per-day list for every row they write (`kind.percent_by_day[i]`,
`self.received_by_day[i]` inside the row loop), so a table of n days does n² steps: the
workbook of ten empty years took 21 s on this 2-core box, 16 s of it in these two tables. The
period picker now refuses more than two years (reports/period.py), which bounds the harm; the
tables themselves are reports/metrics/*.py, the lead's to change. These tests count the per-day
work while a table is written (the real code, watched, nothing replaced): once per row is
right, once per row per day is the fault.
"""

from datetime import date, timedelta
from decimal import Decimal

from reports.metrics import occupancy, revenue

DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(120)]


def test_the_occupancy_table_works_out_each_days_percentage_once(monkeypatch):
    kinds = [
        occupancy.WardKindOccupancy(
            kind=kind,
            label=label,
            beds=10,
            occupied_now=5,
            available_now=10,
            occupied=[5] * len(DAYS),
            available=[10] * len(DAYS),
        )
        for kind, label in occupancy.KINDS
    ]
    result = occupancy.Occupancy(days=DAYS, kinds=kinds)
    real_percent, calls = occupancy.percent, []

    def watched(part, whole):
        calls.append((part, whole))
        return real_percent(part, whole)

    monkeypatch.setattr(occupancy, "percent", watched)

    tables = result.tables()

    rows = sum(len(table.rows) for table in tables)
    assert rows >= len(DAYS) * len(kinds)
    # A percentage per cell that shows one (a day's, a ward type's now and over the period).
    assert len(calls) <= 3 * rows


def test_the_revenue_table_adds_up_each_days_money_once(monkeypatch):
    zero = Decimal("0.00")
    result = revenue.Revenue(
        days=DAYS,
        received={mode: [Decimal("10.00")] * len(DAYS) for mode, _ in revenue.MODES},
        billed=[Decimal("20.00")] * len(DAYS),
        received_gross=zero,
        refunded=zero,
        issued=zero,
        corrected=zero,
    )
    real = revenue.Revenue.received_by_day
    lists_built = []

    def watched(self):
        lists_built.append(1)
        return real.fget(self)

    monkeypatch.setattr(revenue.Revenue, "received_by_day", property(watched))

    (table,) = result.tables()

    assert [row[-2] for row in table.rows] == [Decimal("10.00") * len(revenue.MODES)] * len(DAYS)
    # The per-day totals are one list, built once for the table (not once per row).
    assert len(lists_built) <= 1
