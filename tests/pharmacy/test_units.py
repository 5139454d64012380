"""Quantities read as a pharmacist says them."""

import pytest

from pharmacy.units import in_units


@pytest.mark.parametrize(
    ("quantity", "unit", "said"),
    [
        (1, "tablet", "1 tablet"),
        (24, "tablet", "24 tablets"),
        (2, "bottle of 100 ml", "2 bottles of 100 ml"),
        (10, "pair", "10 pairs"),
        (3, "box", "3 boxes"),
        (5, "100 ml bottle", "5 100 ml bottles"),
        (4, "ml", "4 ml"),
        (0, "vial", "0 vials"),
        (6, "gloves", "6 gloves"),
    ],
)
def test_a_quantity_is_said_with_its_unit(quantity, unit, said):
    assert in_units(quantity, unit) == said
