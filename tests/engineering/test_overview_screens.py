"""The downtime overview (admin, engineer): its period picked day first, a bad period said beside
its field (never a 500), the CSV of every machine, and the overview and the queue in a number of
queries that does not grow with 2,000 machines and 50,000 history entries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department
from engineering.models import (
    FaultRequest,
    Machine,
    MachineStatusChange,
    WorkOrder,
)
from tests.engineering.conftest import register


def test_the_overview_shows_the_last_30_days_by_default(staff, client_for, machine):
    response = client_for(staff.engineer).get(reverse("engineering_overview"))

    page = response.content.decode()
    today = timezone.localdate()
    assert response.status_code == 200
    assert f'value="{today - timedelta(days=29):%d/%m/%Y}"' in page
    assert f'value="{today:%d/%m/%Y}"' in page
    assert 'data-testid="total-availability">100.0 %' in page
    assert 'data-tag="ENG-0001"' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "31/02/2026", "end": "05/03/2026"}, "start", "Enter the date as day/month/year"),
        ({"start": "12/31/2026", "end": "05/03/2026"}, "start", "Enter the date as day/month/year"),
        ({"start": "10/11/2026", "end": "01/11/2026"}, "end", "ends on or after the day it starts"),
        ({"start": "01/01/2099", "end": "02/01/2099"}, "start", "cannot start in the future"),
        ({"start": "01/01/2000", "end": "01/01/2026"}, "end", "At most 1,098 days"),
        ({"start": "01/11/2026", "end": ""}, "end", "required"),
        ({"start": "x" * 5000, "end": "01/11/2026"}, "start", "Enter the date"),
        ({"start": "01/11/2026", "end": "02/11/2026", "department": "abc"}, "department", "Choose"),
        (
            {"start": "01/11/2026", "end": "02/11/2026", "department": "9" * 25},
            "department",
            "Choose",
        ),
    ],
)
def test_a_bad_period_is_said_beside_its_field(staff, client_for, machine, query, field, message):
    response = client_for(staff.engineer).get(reverse("engineering_overview"), query)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="error_1_id_{field}"' in page and message in page
    assert 'data-testid="overview-total"' not in page


def test_a_csv_with_a_bad_period_goes_back_to_the_overview_to_say_so(staff, client_for):
    response = client_for(staff.engineer).get(
        reverse("engineering_overview_csv"), {"start": "31/02/2026", "end": "01/03/2026"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("engineering_overview") + "?")
    assert "start=31%2F02%2F2026" in response["Location"]


def test_the_csv_has_every_machine_of_the_period(staff, client_for):
    department = Department.objects.create(code="ICU", name="Intensive care")
    for n in range(3):
        register(staff.engineer, tag=f"VENT-{n}", name=f"Ventilator {n}", department=department)
    today = timezone.localdate()

    response = client_for(staff.admin).get(
        reverse("engineering_overview_csv"),
        {"start": f"{today:%d/%m/%Y}", "end": f"{today:%d/%m/%Y}", "department": department.pk},
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert f"machine-downtime-{today:%Y%m%d}-{today:%Y%m%d}.csv" in response["Content-Disposition"]
    assert [row[0] for row in rows] == ["scope", "hospital", "department"] + ["machine"] * 3
    assert rows[2][1] == "Intensive care"


def test_the_machines_page_shows_its_availability(staff, client_for, machine):
    page = client_for(staff.nurse).get(machine.get_absolute_url()).content.decode()

    assert "Last 30 days" in page and "Last 12 months" in page
    assert page.count('data-testid="availability">100.0 %') == 2


# --- a large hospital ------------------------------------------------------------------------

MACHINES = 2000
ENTRIES_PER_MACHINE = 25  # 50,000 history entries


@pytest.fixture
def large_hospital(staff):
    """2,000 machines over 10 departments, each with 25 status entries over the last 50 days, a
    preventive maintenance and a fault request on every tenth: written with bulk_create."""
    departments = Department.objects.bulk_create(
        Department(code=f"D{n}", name=f"Department {n}") for n in range(10)
    )
    now = timezone.now()
    began = now - timedelta(days=50)
    machines = Machine.objects.bulk_create(
        Machine(
            name=f"Machine {n:04d}",
            asset_tag=f"BIG-{n:04d}",
            machine_type="monitor",
            department=departments[n % 10],
            status="operational",
            status_since=began,
            registered_at=began,
            pm_interval_days=90,
            last_serviced_date=timezone.localdate() - timedelta(days=100),
        )
        for n in range(MACHINES)
    )
    cycle = ["operational", "out_of_order", "maintenance", "operational", "out_of_order"]
    MachineStatusChange.objects.bulk_create(
        MachineStatusChange(
            machine=machine,
            from_status="" if k == 0 else cycle[(k - 1) % 5],
            to_status="operational" if k in (0, ENTRIES_PER_MACHINE - 1) else cycle[k % 5],
            effective_at=began + timedelta(hours=48 * k + n % 24),
            recorded_at=began + timedelta(hours=48 * k + n % 24),
            reason="bulk",
        )
        for n, machine in enumerate(machines)
        for k in range(ENTRIES_PER_MACHINE)
    )
    today = timezone.localdate()
    WorkOrder.objects.bulk_create(
        WorkOrder(
            number=f"PM-BIG-{n:04d}",
            machine=machine,
            kind="preventive",
            pm_due_date=today - timedelta(days=n % 20),
            status="due",
            opened_at=now,
        )
        for n, machine in enumerate(machines[::10])
    )
    FaultRequest.objects.bulk_create(
        FaultRequest(
            number=f"FR-BIG-{n:04d}",
            machine=machine,
            raised_by=staff.nurse,
            raised_at=now - timedelta(days=n % 40),
            description="Alarm",
        )
        for n, machine in enumerate(machines[5::10])
    )
    assert MachineStatusChange.objects.count() == MACHINES * ENTRIES_PER_MACHINE


def test_the_overview_and_queue_keep_their_query_count_in_a_large_hospital(
    staff, client_for, large_hospital, django_assert_max_num_queries
):
    engineer = client_for(staff.engineer)

    # The page's own (session, user, badges) and the report's four, whatever the numbers.
    with django_assert_max_num_queries(12):
        overview = engineer.get(reverse("engineering_overview"), {"page": "3"})
    with django_assert_max_num_queries(14):
        queue = engineer.get(reverse("work_queue"))
    with django_assert_max_num_queries(8):
        exported = engineer.get(reverse("engineering_overview_csv"))

    assert "101–150 of 2,000" in overview.content.decode()
    assert overview.context["report"].total.machines == MACHINES
    assert overview.context["report"].total.failures > 0
    assert 'data-testid="pm-overdue-count">190 overdue' in queue.content.decode()
    assert len(exported.content.decode().splitlines()) == 1 + 1 + 10 + MACHINES
