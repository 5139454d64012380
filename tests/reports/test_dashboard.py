"""The analytics dashboard: who sees which panels, the period picker (presets, custom days,
refused dates kept as typed), the htmx swap of the body, and a constant number of queries."""

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
