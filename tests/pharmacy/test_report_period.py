"""A report's period picker says when a typed date cannot be used, keeps what was typed, and
shows the period the figures are for (never a silent "last 30 days")."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

REPORTS = ["stock_report_consumption", "stock_report_doctors"]


def _page(client, name, query) -> str:
    return html.unescape(client.get(reverse(name), query).content.decode())


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("typed", ["2026-02-31", "abc", "31/02/2026"])
@time_machine.travel("2026-11-30 09:00 +03:00", tick=False)
def test_a_date_that_is_no_date_is_said_beside_the_picker_and_kept(staff, client_for, name, typed):
    page = _page(client_for(staff.pharmacist), name, {"from": typed, "to": "2026-11-20"})

    assert f"“{typed}” is not a date of the calendar" in page
    assert f'value="{typed}"' in page  # kept in its box, to correct
    assert "Showing 22 Oct 2026 to 20 Nov 2026: a date above could not be read." in page


@pytest.mark.parametrize("name", REPORTS)
@time_machine.travel("2026-11-30 09:00 +03:00", tick=False)
def test_a_period_the_wrong_way_round_is_turned_and_said(staff, client_for, name):
    page = _page(client_for(staff.pharmacist), name, {"from": "20/11/2026", "to": "01/11/2026"})

    assert "The period ended before it started" in page
    assert "Showing 1 Nov 2026 to 20 Nov 2026." in page
    assert 'value="01/11/2026"' in page and 'value="20/11/2026"' in page


@time_machine.travel("2026-11-30 09:00 +03:00", tick=False)
def test_a_good_period_is_shown_without_a_word_against_it(staff, client_for):
    today = timezone.localdate()

    page = _page(
        client_for(staff.pharmacist),
        "stock_report_consumption",
        {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()},
    )

    assert "Showing 24 Nov 2026 to 30 Nov 2026." in page
    assert "not a date" not in page and "is-invalid" not in page
