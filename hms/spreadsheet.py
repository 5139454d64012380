"""Values written to a CSV file that people open in a spreadsheet (the exports of engineering,
pharmacy, the analytics dashboard and the audit log), one rule for all of them."""

from decimal import Decimal

from hms.money import money

# A cell starting with one of these is run as a formula by spreadsheets (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value` as a CSV cell: text that starts like a formula gets a leading apostrophe, so a
    spreadsheet shows it as text; money (a Decimal) with its two places ("-5.00" stays a number);
    None as an empty cell; other values as they are."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{money(value):.2f}"
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value
