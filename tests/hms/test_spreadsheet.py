"""One rule for every CSV export: what a spreadsheet would run as a formula is written as text."""

from decimal import Decimal

import pytest

from hms.spreadsheet import spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","pay")', '\'=HYPERLINK("http://x","pay")'),
        ("+254700000000", "'+254700000000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Wanjiku Njeri", "Wanjiku Njeri"),
        (Decimal("-5"), "-5.00"),  # money keeps its two places and stays a number
        (Decimal("1234.5"), "1234.50"),
        (7, 7),
        (None, ""),
    ],
)
def test_a_formula_is_written_as_text_and_money_with_two_places(value, cell):
    assert spreadsheet_cell(value) == cell
