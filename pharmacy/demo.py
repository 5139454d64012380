"""Demo records of the pharmacy, one part per module: the formulary, stores and suppliers with
stock received (demo_formulary, demo_stock), then prescriptions waiting at the counter and some
dispensed (demo_dispensing, late: it builds on clinical's and wards' demo patients), and the
ICU inpatient's medication chart with its doses (demo_mar, late)."""

from pharmacy import demo_dispensing, demo_formulary, demo_mar, demo_stock


def seed(log) -> None:
    demo_formulary.seed(log)
    demo_stock.seed(log)


def seed_late(log) -> None:
    demo_dispensing.seed_late(log)
    demo_mar.seed_late(log)
