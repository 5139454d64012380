"""A refused cancellation or catalogue form answers its page again: the message beside its field,
what was typed still in it, and nothing changed."""

import pytest
from django.urls import reverse

from billing.models import Charge
from lab.models import OrderStatus, ReferenceRange, ResultField
from tests.lab.conftest import make_patient, order

TOO_LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (" ", "Give the reason for cancelling the test."),
        ("Wrong patient " + TOO_LONG, "Reason: at most 200 characters"),
    ],
)
def test_a_bad_cancel_reason_is_said_beside_it(staff, catalog, client_for, typed, message):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")

    response = client_for(staff["doctor"]).post(
        reverse("lab_order_cancel", args=[cbc.pk]), {"reason": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="cancel-reason-error"' in page and "is-invalid" in page and message in page
    assert f'value="{typed}"' in page
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.PENDING and cbc.cancelled_at is None
    assert Charge.objects.filter(patient=patient).count() == 1


def test_an_over_long_result_field_name_is_said_beside_it(staff, catalog, client_for):
    test = catalog["RBS"]
    before = ResultField.objects.count()
    typed = "Glucose " + TOO_LONG

    response = client_for(staff["admin"]).post(
        reverse("lab_catalogue_field_add", args=[test.pk]),
        {"name": typed, "unit": "mmol/L", "position": "2"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_name"' in page and "is-invalid" in page
    assert typed in page and 'value="mmol/L"' in page
    assert ResultField.objects.count() == before


def test_an_impossible_age_band_is_said_beside_it(staff, catalog, client_for):
    test = catalog["RBS"]
    field = test.fields.get()
    before = ReferenceRange.objects.count()

    response = client_for(staff["admin"]).post(
        reverse("lab_catalogue_range_add", args=[test.pk]),
        {
            "field": field.pk,
            "sex": "",
            "age_from": "99999999",
            "age_from_unit": "years",
            "age_to_unit": "years",
            "low": "3.9",
            "high": "7.8",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_age_from"' in page and "At most 130" in page
    assert 'value="99999999"' in page and 'value="3.9"' in page and 'value="7.8"' in page
    assert ReferenceRange.objects.count() == before
