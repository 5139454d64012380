"""A bed that cannot be chosen says why (a tester was told "taken a moment ago" for a bed that
does not exist, one under maintenance and the patient's own bed, session 33)."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.factories import AdmissionFactory, BedFactory, WardFactory
from wards.forms import AdmissionForm
from wards.models import Admission, BedStatus

pytestmark = pytest.mark.django_db


def refusal_for(bed_id) -> str:
    form = AdmissionForm({"bed": bed_id})
    form.is_valid()
    return " ".join(form.errors["bed"])


def test_each_bed_not_on_the_list_is_named_for_what_it_is():
    cleaning = BedFactory(status=BedStatus.CLEANING)
    mended = BedFactory(status=BedStatus.MAINTENANCE)
    taken = BedFactory(status=BedStatus.OCCUPIED)
    closed = BedFactory(ward=WardFactory(name="Old Annex", active=False))

    assert refusal_for(999999) == "There is no such bed: choose one from the list."
    assert refusal_for("x") == "There is no such bed: choose one from the list."
    assert "waiting to be cleaned" in refusal_for(cleaning.pk)
    assert "out of use for maintenance" in refusal_for(mended.pk)
    assert "taken a moment ago" in refusal_for(taken.pk)
    assert refusal_for(closed.pk) == "Old Annex is closed: choose a bed in an open ward."


def test_a_transfer_to_the_patients_own_bed_says_they_are_in_it(staff, client):
    admission = AdmissionFactory()
    nurse = sign_in(client, staff.nurse)

    response = nurse.post(
        reverse("admission_transfer", args=[admission.pk]),
        {"bed": admission.bed_id, "reason": "Closer to the station"},
    )

    assert "The patient is in that bed now" in response.content.decode()
    assert Admission.objects.get(pk=admission.pk).bed_id == admission.bed_id
