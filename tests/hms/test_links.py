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


def test_a_kept_link_follows_the_base_path_it_is_served_under():
    from django.urls import set_script_prefix

    at_root = link_to("invoice_detail")(7)
    set_script_prefix("/hms/")
    try:
        under_path = link_to("invoice_detail")(7)
    finally:
        set_script_prefix("/")

    assert under_path == "/hms" + at_root and link_to("invoice_detail")(7) == at_root
