"""A double tap on the record-changing forms (issue 12): registering a patient, booking,
admitting, ordering tests. The same form sent twice acts once and shows the first result."""

import uuid

import pytest
from django.urls import reverse

from clinical.models import Patient
from hms import rbac
from tests.clinical.test_patients import FORM as REGISTRATION
from tests.factories import PatientFactory
from tests.wards.test_admissions import bed, wards  # noqa: F401
from wards.models import Admission


def twice(client, url: str, form: dict):
    form = form | {"submission": str(uuid.uuid4())}
    return client.post(url, form), client.post(url, form, follow=True)


def test_registering_twice_with_one_form_makes_one_patient(make_user, client_for):
    clerk = client_for(make_user(rbac.RECEPTIONIST))

    first, second = twice(clerk, reverse("patient_register"), REGISTRATION)

    assert first.status_code == 302 and second.status_code == 200
    assert Patient.objects.filter(last_name="Kamau").count() == 1
    assert "arrived twice; it was done once" in second.content.decode()
    assert second.redirect_chain[-1][0] == first["Location"]  # the first result's page


def test_admitting_twice_with_one_form_admits_once(staff, charge_master, wards, client_for):  # noqa: F811
    general, _ = wards
    form = {
        "patient": PatientFactory().pk,
        "attending_doctor": staff.doctor.pk,
        "bed": bed(general, "01").pk,
        "reason": "Fever",
    }

    first, second = twice(client_for(staff.receptionist), reverse("admission_new"), form)

    assert first.status_code == 302 and second.status_code == 200
    assert Admission.objects.count() == 1
    assert "arrived twice; it was done once" in second.content.decode()


@pytest.mark.parametrize("view", ["patient_register", "admission_new"])
def test_a_token_that_is_not_a_uuid_is_ignored_not_an_error(make_user, client_for, view):
    clerk = client_for(make_user(rbac.RECEPTIONIST))

    response = clerk.post(reverse(view), {"submission": "not-a-token"})

    assert response.status_code == 200  # the form again, with its messages
