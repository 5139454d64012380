"""A prescription line's limits hold however its quantity comes: typed, or computed from the dose,
frequency and duration (clinical.services.prescription_add), and its course has a sane length."""

import pytest
from django.urls import reverse

from clinical.models import Prescription
from hms import rbac
from tests.factories import EncounterFactory, FormularyItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(make_user):
    return make_user(rbac.DOCTOR)


@pytest.fixture
def encounter(doctor):
    return EncounterFactory(doctor=doctor)


@pytest.fixture
def amoxicillin():
    return FormularyItemFactory(
        generic_name="Amoxicillin", form="capsule", strength="500 mg", dispensing_unit="capsule"
    )


def _add(client, encounter, item, **fields):
    line = {
        "drug": "Amoxicillin",
        "formulary_item": str(item.pk),
        "dose": "1 capsule",
        "route": "oral",
        "frequency": "TDS",
        "duration": "5 days",
    } | fields
    return client.post(reverse("prescription_add", args=[encounter.pk]), line)


@pytest.mark.parametrize("duration", ["99999 days", "3650 days", "53 weeks"])
def test_a_course_longer_than_a_year_is_refused_beside_the_duration(
    doctor, encounter, amoxicillin, client_for, duration
):
    response = _add(client_for(doctor), encounter, amoxicillin, duration=duration)

    assert response.status_code == 200
    errors = response.context["prescription_form"].errors
    assert "at most 365 days" in " ".join(errors["duration"])
    assert f'value="{duration}"' in response.content.decode()
    assert not Prescription.objects.exists()


def test_a_computed_quantity_over_the_limit_is_refused_as_a_typed_one_is(
    doctor, encounter, amoxicillin, client_for
):
    # 10 capsules every hour for 365 days: 87,600 capsules.
    response = _add(
        client_for(doctor),
        encounter,
        amoxicillin,
        dose="10 capsules",
        frequency="every 1 hour",
        duration="365 days",
    )

    assert response.status_code == 200
    message = " ".join(response.context["prescription_form"].errors["quantity"])
    assert "87,600" in message and "at most 10,000 units" in message
    assert not Prescription.objects.exists()


def test_a_year_of_three_a_day_is_still_computed(doctor, encounter, amoxicillin, client_for):
    response = _add(client_for(doctor), encounter, amoxicillin, duration="365 days")

    assert response.status_code == 302
    assert Prescription.objects.get().quantity == 1095


def test_the_service_refuses_a_typed_quantity_over_the_limit(doctor, encounter, amoxicillin):
    from clinical import services

    with pytest.raises(services.ConsultationError) as refused:
        services.prescription_add(
            actor=doctor,
            encounter=encounter,
            formulary_item=amoxicillin,
            dose="1 capsule",
            frequency="TDS",
            duration="5 days",
            quantity=100_000,
        )

    assert refused.value.field == "quantity"
    assert not Prescription.objects.exists()
