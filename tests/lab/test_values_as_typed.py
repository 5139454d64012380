"""A lab value is stored exactly as typed or refused with the reason: never read in Python's number
syntax (1_5 is not 15), never rounded (1.23456 is not 1.235), never an impossible value (a negative
count or concentration is refused, not only flagged)."""

import pytest
from django.urls import reverse

from lab import services
from lab.models import OrderStatus, ResultValue, TestOrder
from tests.lab.conftest import field_values, make_patient, order, walk


def in_progress(staff, catalog, code="CBC"):
    (placed,) = order(staff, catalog, make_patient(), code)
    return walk(placed, OrderStatus.IN_PROGRESS, staff)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1_5", "enter a number, such as 13.5"),
        ("1_000", "enter a number, such as 13.5"),
        ("1e1", "enter a number, such as 13.5"),
        ("²", "enter a number, such as 13.5"),
        ("1.23456", "at most 3 decimal places"),
        ("-4", "is not possible"),
        ("1,000", "without a thousands comma"),
        ("9999999999", "too large"),
    ],
)
def test_a_haemoglobin_not_as_a_lab_types_it_is_refused_and_nothing_is_stored(
    staff, catalog, typed, message
):
    cbc = in_progress(staff, catalog)

    with pytest.raises(services.LabError, match=f"Haemoglobin: .*{message}"):
        services.results_enter(
            actor=staff["tech"],
            order=cbc,
            values=field_values(cbc, Haemoglobin=typed, White_cells="6", Platelets="250"),
        )

    assert not ResultValue.objects.filter(order=cbc).exists()
    assert TestOrder.objects.get(pk=cbc.pk).result_version == 0


def test_the_refusal_reaches_the_technician_by_name(staff, catalog, client_for):
    cbc = in_progress(staff, catalog)
    fields = {f.name: f.pk for f in cbc.test.fields.all()}

    page = client_for(staff["tech"]).post(
        reverse("lab_results_enter", args=[cbc.pk]),
        {f"field-{fields['Haemoglobin']}": "-4", f"field-{fields['Platelets']}": "250"},
        follow=True,
    )

    assert "Haemoglobin: -4 is not possible" in page.content.decode()
    assert not ResultValue.objects.filter(order=cbc).exists()


@pytest.mark.parametrize(
    ("typed", "stored"), [("13.25", "13.25"), ("1", "1"), ("26", "26"), ("13,5", "13.5")]
)
def test_a_plain_value_is_stored_as_typed(staff, catalog, typed, stored):
    cbc = in_progress(staff, catalog)

    services.results_enter(
        actor=staff["tech"],
        order=cbc,
        values=field_values(cbc, Haemoglobin=typed, White_cells="6", Platelets="250"),
    )

    assert ResultValue.objects.get(order=cbc, name="Haemoglobin").value == stored


def test_an_over_long_amendment_reason_is_refused_not_cut(staff, catalog):
    (placed,) = order(staff, catalog, make_patient(), "CBC")
    cbc = walk(placed, OrderStatus.VERIFIED, staff)

    with pytest.raises(services.LabError, match="at most 200 characters"):
        services.results_amend(
            actor=staff["tech"],
            order=cbc,
            values=field_values(cbc, Haemoglobin="9"),
            reason="r" * 10000,
        )

    assert TestOrder.objects.get(pk=cbc.pk).result_version == 1
