"""A list's links reversed once are the links reverse() gives each row."""

import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from hms.links import link_to


def test_a_link_reversed_once_is_each_rows_own_link():
    patient_id = uuid.uuid4()

    assert link_to("invoice_detail")(42) == reverse("invoice_detail", args=[42])
    assert link_to("patient_account")(patient_id) == reverse("patient_account", args=[patient_id])


def test_a_route_without_an_id_is_refused():
    with pytest.raises(NoReverseMatch):
        link_to("dashboard")
