"""The full list of preventive maintenance due, behind the queue's and the dashboard's short
panels: every open maintenance a page at a time, the earliest due first, with how many there are
and how many are overdue, or only the overdue ones; its query count does not grow with the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engineering import selectors, services
from engineering.models import WorkOrder
from tests.engineering.conftest import register


def plans_due(staff, how_many: int, *, overdue_every: int = 3) -> None:
    """`how_many` machines on a 30-day plan: every `overdue_every`-th one 10 days overdue, the
    others due in 5 days; then the periodic task makes their work orders."""
    today = timezone.localdate()
    for n in range(how_many):
        late = n % overdue_every == 0
        machine = register(
            staff.engineer,
            tag=f"PM-{n:03d}",
            name=f"{'Late' if late else 'Soon'} monitor {n:03d}",
            machine_type="monitor",
            last_serviced_date=today - timedelta(days=40 if late else 25),
        )
        services.pm_plan_save(
            actor=staff.engineer, machine=machine, pm_interval_days=30, steps=["Alarm test"]
        )
    services.pm_work_orders_create()


def test_the_list_shows_every_maintenance_not_done_the_overdue_first_with_the_counts(
    staff, client_for
):
    plans_due(staff, 6)
    engineer = client_for(staff.engineer)

    response = engineer.get(reverse("maintenance_due"))

    page = response.content.decode()
    rows = list(response.context["page"].object_list)
    assert [row.machine.name.split()[0] for row in rows] == ["Late"] * 2 + ["Soon"] * 4
    assert "6 maintenance visits in all" in page
    assert 'data-testid="pm-overdue-count">2 overdue' in page
    assert page.count("Overdue 10 days") == 2 and "list-group-item-danger" in page


def test_overdue_only_lists_the_overdue_ones_and_counts_them(staff, client_for):
    plans_due(staff, 6)

    response = client_for(staff.engineer).get(reverse("maintenance_due"), {"show": "overdue"})

    assert [row.machine.name.split()[0] for row in response.context["page"]] == ["Late"] * 2
    assert "2 maintenance visits in all" in response.content.decode()


def test_an_odd_show_or_page_is_the_whole_list_first_page(staff, client_for):
    plans_due(staff, 3)

    response = client_for(staff.engineer).get(
        reverse("maintenance_due"), {"show": "<script>", "page": "x" * 30}
    )

    assert response.status_code == 200 and response.context["show"] == ""
    assert len(response.context["page"].object_list) == 3


def test_the_panels_cut_short_lead_to_the_full_list(staff, client_for):
    plans_due(staff, selectors.PM_QUEUE_SIZE + 1)
    engineer = client_for(staff.engineer)
    link = f'<a href="{reverse("maintenance_due")}">see all</a>'

    queue = engineer.get(reverse("work_queue")).content.decode()
    panel = engineer.get(reverse("engineering_summary")).content.decode()

    assert f"{selectors.PM_QUEUE_SIZE} of {selectors.PM_QUEUE_SIZE + 1} · {link}" in queue
    assert f"{selectors.DASHBOARD_SIZE} of {selectors.PM_QUEUE_SIZE + 1} · {link}" in panel


def test_the_list_is_paged_and_keeps_its_query_count(
    staff, client_for, django_assert_max_num_queries
):
    plans_due(staff, selectors.PM_PER_PAGE + 10)
    engineer = client_for(staff.engineer)
    assert WorkOrder.objects.filter(kind="preventive").count() == selectors.PM_PER_PAGE + 10

    with django_assert_max_num_queries(12):
        first = engineer.get(reverse("maintenance_due"))
    with django_assert_max_num_queries(12):
        second = engineer.get(reverse("maintenance_due"), {"page": 2})

    assert len(first.context["page"].object_list) == selectors.PM_PER_PAGE
    assert f"1–50 of {selectors.PM_PER_PAGE + 10} maintenance visits" in first.content.decode()
    assert len(second.context["page"].object_list) == 10


def test_the_live_refresh_gets_the_list_alone(staff, client_for):
    plans_due(staff, 2)

    response = client_for(staff.engineer).get(
        reverse("maintenance_due"), headers={"HX-Request": "true", "HX-Target": "maintenance"}
    )

    page = response.content.decode()
    assert 'id="maintenance"' in page and "<html" not in page


@pytest.mark.parametrize("role", ["nurse", "lab_technician", "doctor"])
def test_only_engineers_and_the_administrator_see_the_list(staff, client_for, role):
    assert client_for(getattr(staff, role)).get(reverse("maintenance_due")).status_code == 403
    assert client_for(staff.admin).get(reverse("maintenance_due")).status_code == 200


def test_the_overview_is_a_card_on_the_engineers_dashboard_not_the_nurses(staff, client_for):
    overview = reverse("engineering_overview")

    engineer = client_for(staff.engineer).get(reverse("dashboard")).content.decode()
    nurse = client_for(staff.nurse).get(reverse("dashboard")).content.decode()

    assert f'class="hms-card-link" href="{overview}"' in engineer
    assert "Downtime and availability" in engineer
    assert overview not in nurse
