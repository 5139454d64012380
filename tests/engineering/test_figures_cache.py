"""A machine's page keeps its downtime figures a minute (engineering.figures_cache): a second look
reads no history, and any change to what they are made of shows on the very next look."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from engineering import services
from engineering.models import Machine
from engineering.selectors import machine_figures, machine_with_department
from tests.engineering.conftest import register


@pytest.fixture
def machine(staff):
    """An X-ray unit in the register since yesterday (so a change may be back-dated hours)."""
    with time_machine.travel(timezone.now() - timedelta(days=1)):
        return register(staff.engineer, criticality="high")


def figures_now(machine_id: int):
    """The figures as the page reads them: the machine loaded afresh, then its figures."""
    machine = machine_with_department(machine_id)
    return dict(machine_figures(machine, timezone.localdate()))


def test_a_second_look_reads_no_history(machine, django_assert_num_queries):
    figures_now(machine.pk)
    loaded = machine_with_department(machine.pk)

    with django_assert_num_queries(0):
        again = dict(machine_figures(loaded, timezone.localdate()))

    assert again == figures_now(machine.pk)


def test_a_status_change_shows_in_the_figures_at_once(staff, machine):
    before = figures_now(machine.pk)["Last 30 days"]
    assert before.failures == 0

    services.machine_status_change(
        actor=staff.engineer,
        machine=machine,
        to_status="out_of_order",
        reason="Tube failed",
        effective_at=timezone.now() - timedelta(hours=2),
    )

    after = figures_now(machine.pk)["Last 30 days"]
    assert after.failures == 1
    assert after.down >= 2 * 3600


def test_a_fault_request_and_its_work_order_show_at_once(staff, machine):
    assert sum(figures_now(machine.pk)["Last 30 days"].open_by_age) == 0

    fault = services.fault_request_raise(
        actor=staff.nurse, machine=machine, description="Screen flickers", unusable=False
    )
    assert sum(figures_now(machine.pk)["Last 30 days"].open_by_age) == 1

    work_order = services.fault_request_take(actor=staff.engineer, fault_request=fault)
    services.work_order_resolve(
        actor=staff.engineer, work_order=work_order, resolution="Cable reseated"
    )
    assert sum(figures_now(machine.pk)["Last 30 days"].open_by_age) == 0


def test_an_edit_of_the_machine_shows_at_once(staff, machine):
    """Installed later than its history began: the figures count from the installation."""
    observed = figures_now(machine.pk)["Last 30 days"].observed

    machine.installed_date = timezone.localdate()
    machine.save()

    assert figures_now(machine.pk)["Last 30 days"].observed < observed


def test_a_copy_loaded_before_a_change_does_not_put_its_number_back(staff, machine):
    stale = Machine.objects.get(pk=machine.pk)
    start = stale.events_version

    services.machine_status_change(
        actor=staff.engineer, machine=machine, to_status="maintenance", reason="Calibration"
    )
    stale.name = "X-ray unit (radiology)"
    stale.save()

    stored = Machine.objects.get(pk=machine.pk)
    assert stored.name == "X-ray unit (radiology)"
    assert stored.events_version > start + 1  # the change's bump and the edit's, none undone


def test_the_page_shows_a_new_failure_on_the_next_look(staff, machine, client_for):
    engineer = client_for(staff.engineer)
    url = reverse("machine_detail", args=[machine.pk])
    engineer.get(url)

    services.machine_status_change(
        actor=staff.engineer,
        machine=machine,
        to_status="out_of_order",
        reason="Tube failed",
        effective_at=timezone.now() - timedelta(hours=3),
    )
    page = engineer.get(url).content.decode()

    failures = page.index('data-testid="failures">')  # the last 30 days' cell comes first
    assert page[failures : page.index("</td>", failures)].endswith(">1")
