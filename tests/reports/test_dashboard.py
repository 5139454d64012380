"""The analytics dashboard: who sees which panels, the period picker (presets, custom days,
refused dates kept as typed), the htmx swap of the body, and a constant number of queries."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinical.models import AppointmentStatus
from hms import navigation, rbac
from tests.factories import AdmissionFactory, AppointmentFactory, BedFactory, WardFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=NAIROBI)
URL = "/analytics/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_url_is_the_dashboards():
    assert reverse("analytics_dashboard") == URL


def test_the_admin_sees_every_panel_with_the_periods_label(staff, client_for, takings_metric):
    AppointmentFactory(starts_at=NOW, status=AppointmentStatus.SCHEDULED)

    response = client_for(staff.admin).get(URL, {"period": "7d"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Last 7 days (12/11/2026 – 18/11/2026)" in page
    assert 'data-testid="panel-today"' in page and 'data-testid="panel-takings"' in page
    assert "Appointments booked" in page
    assert "whatever period is chosen above" in page
    assert f"{reverse('analytics_csv')}?metric=today&amp;period=7d" in page
    assert f"{reverse('analytics_xlsx')}?period=7d" in page


def test_the_accountant_sees_the_finance_panels_only(staff, client_for, takings_metric):
    AppointmentFactory(starts_at=NOW, status=AppointmentStatus.SCHEDULED)
    BedFactory(ward=WardFactory(name="Maternity"), number="1")

    response = client_for(staff.accountant).get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="panel-takings"' in page and "Takings: 1229.50" in page
    assert 'data-testid="panel-today"' not in page
    assert "Appointments booked" not in page and "Maternity" not in page


@pytest.mark.parametrize("role", [r for r in rbac.ROLES if r not in (rbac.ADMIN, rbac.ACCOUNTANT)])
def test_other_roles_are_refused(staff, client_for, role):
    response = client_for(staff.of_role(role)).get(URL)

    assert response.status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_navigation_offers_analytics_to_admin_and_accountant(staff):
    def has_it(user):
        return any(item.url_name == "analytics_dashboard" for item in navigation.nav_for(user))

    assert has_it(staff.admin) and has_it(staff.accountant)
    assert not has_it(staff.doctor) and not has_it(staff.receptionist)


def test_a_custom_period_is_read_from_the_query(staff, client_for):
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "01/10/2026", "to": "15/10/2026"}
    )

    page = response.content.decode()
    assert "01/10/2026 – 15/10/2026" in page
    assert 'value="01/10/2026"' in page and 'value="15/10/2026"' in page


def test_a_refused_date_is_said_beside_its_box_and_kept_as_typed(staff, client_for):
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "31/02/2026", "to": "15/10/2026"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="period-from-error"' in page
    assert "is not a date of the calendar" in page
    assert 'value="31/02/2026"' in page
    # The 30 days up to the end typed are shown meanwhile, and said in the heading.
    assert "16/09/2026 – 15/10/2026" in page


def test_dates_the_wrong_way_round_are_swapped_and_said(staff, client_for):
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "15/10/2026", "to": "01/10/2026"}
    )

    page = response.content.decode()
    assert "01/10/2026 – 15/10/2026" in page
    assert "taken the other way round" in page


def test_the_pickers_htmx_request_gets_the_body_alone(staff, client_for):
    response = client_for(staff.admin).get(
        URL,
        {"period": "today"},
        headers={"HX-Request": "true", "HX-Target": "analytics-body"},
    )

    page = response.content.decode()
    assert "<html" not in page and "<nav" not in page
    assert "Today (18/11/2026)" in page
    assert 'data-testid="panel-today"' in page


def _hospital(size: int) -> None:
    for n in range(size):
        ward = WardFactory()
        BedFactory(ward=ward, number="1")
        AdmissionFactory(bed=BedFactory(ward=ward, number="2"), admitted_at=NOW - timedelta(days=n))
        AppointmentFactory(starts_at=NOW - timedelta(days=n), status=AppointmentStatus.COMPLETED)


def _queries(client, query: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    assert response.status_code == 200
    return len(captured)


def test_the_whole_dashboard_runs_the_same_queries_for_any_period_and_size(
    staff, client_for, takings_metric
):
    """Every registered metric included: a week and two years, a small and a larger hospital."""
    client = client_for(staff.admin)
    week = {"period": "7d"}
    two_years = {"period": "custom", "from": "19/11/2024", "to": "18/11/2026"}
    client.get(URL)  # the session and the first request's lookups, once

    _hospital(2)
    small = [_queries(client, week), _queries(client, two_years)]
    _hospital(10)
    large = [_queries(client, week), _queries(client, two_years)]

    assert small == large == [small[0]] * 2


# --- odd values in the address (a hand-edited link, an old bookmark, someone trying) ----------


def test_a_period_longer_than_two_years_is_refused_beside_its_first_day(staff, client_for):
    """300 years of daily figures would keep a core busy for minutes and draw charts nobody can
    read: the first day is refused as typed, and the 30 days up to the last are shown."""
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "01/01/1800", "to": "18/11/2026"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    error = re.search(r'data-testid="period-from-error">(.*?)</div>', page, re.S)
    assert error and "at most two years (731 days)" in error.group(1)
    assert "82,867 days" in error.group(1)
    assert 'value="01/01/1800"' in page and 'value="18/11/2026"' in page
    assert "20/10/2026 – 18/11/2026" in page


def test_two_whole_years_with_a_leap_day_are_taken(staff, client_for):
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "01/01/2024", "to": "31/12/2025"}
    )

    page = response.content.decode()
    assert "01/01/2024 – 31/12/2025" in page
    assert "period-from-error" not in page and "period-to-error" not in page


@pytest.mark.parametrize(
    ("first", "last"), [("01/01/1800", "07/01/1800"), ("25/12/2100", "31/12/2100")]
)
def test_a_week_long_ago_or_far_ahead_is_shown_as_asked(staff, client_for, first, last):
    response = client_for(staff.admin).get(URL, {"period": "custom", "from": first, "to": last})

    assert response.status_code == 200
    assert f"{first} – {last}" in response.content.decode()


def test_an_unknown_preset_says_which_period_is_shown_instead(staff, client_for):
    response = client_for(staff.admin).get(URL, {"period": "last_decade"})

    page = response.content.decode()
    assert response.status_code == 200
    note = re.search(r'data-testid="period-refused"[^>]*>(.*?)</div>', page, re.S)
    assert note and "“last_decade” is not one of the periods offered" in note.group(1)
    assert "Last 30 days (20/10/2026 – 18/11/2026)" in page


def test_an_unknown_preset_of_any_length_or_script_is_said_escaped_and_cut(staff, client_for):
    typed = "<b>日本語</b>" + "x" * 5000

    page = client_for(staff.admin).get(URL, {"period": typed}).content.decode()

    note = re.search(r'data-testid="period-refused"[^>]*>(.*?)</div>', page, re.S)
    assert note and "&lt;b&gt;日本語&lt;/b&gt;xxxxxxxxxx…" in note.group(1)
    assert "<b>日本語" not in page and "x" * 100 not in page


def test_typed_days_without_a_period_are_taken_as_a_custom_period(staff, client_for):
    """A link written by hand (?from=…&to=…) shows those days, not the last 30 in silence."""
    response = client_for(staff.admin).get(URL, {"from": "01/10/2026", "to": "15/10/2026"})

    page = response.content.decode()
    assert "01/10/2026 – 15/10/2026" in page
    assert 'data-testid="period-refused"' not in page


def test_a_non_ascii_date_is_refused_as_typed(staff, client_for):
    response = client_for(staff.admin).get(
        URL, {"period": "custom", "from": "١٢/١٠/٢٠٢٦", "to": "15/10/2026"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "“١٢/١٠/٢٠٢٦” is not a date of the calendar" in page
    assert 'value="١٢/١٠/٢٠٢٦"' in page


def test_a_repeated_parameter_is_read_once_the_same_way_everywhere(staff, client_for):
    """?period=7d&period=today: the last one counts, for the heading, the buttons and the
    export links alike."""
    response = client_for(staff.admin).get(f"{URL}?period=7d&period=today")

    page = response.content.decode()
    assert "Today (18/11/2026)" in page
    assert re.search(r'aria-current="true" data-testid="preset-today"', page)
    assert f"{reverse('analytics_xlsx')}?period=today" in page


# --- the htmx swap: one answer at a time, and a page that says it is loading --------------------


def test_the_period_requests_replace_each_other_and_dim_the_panels_while_loading(staff, client_for):
    """A second click while the first answer is on its way drops the first (htmx's hx-sync
    "replace"): an older, slower answer can never be drawn over the newer one."""
    page = client_for(staff.admin).get(URL).content.decode()

    body = re.search(r'<div id="analytics-body"[^>]*>', page).group(0)
    assert 'hx-sync="this:replace"' in body
    assert 'hx-indicator="#analytics-body"' in body
