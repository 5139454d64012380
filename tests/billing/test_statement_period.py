"""The statement's period picker says when a typed date cannot be used and keeps it, instead of
showing the whole account in silence."""

import html

import pytest
from django.urls import reverse

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_date_that_is_no_date_is_said_beside_the_statements_picker(staff, client_for):
    patient = PatientFactory()
    url = reverse("patient_statement", args=[patient.pk])

    page = html.unescape(
        client_for(staff.receptionist).get(url, {"from": "31/02/2026"}).content.decode()
    )

    assert "“31/02/2026” is not a date of the calendar" in page
    assert 'value="31/02/2026"' in page
    assert "Showing from the first entry to today: a date above could not be read." in page


def test_a_statement_period_the_wrong_way_round_is_turned_and_said(staff, client_for):
    patient = PatientFactory()
    url = reverse("patient_statement", args=[patient.pk])

    page = html.unescape(
        client_for(staff.receptionist)
        .get(url, {"from": "20/11/2026", "to": "01/11/2026"})
        .content.decode()
    )

    assert "The period ended before it started" in page
    assert "Showing from 1 Nov 2026 to 20 Nov 2026." in page
