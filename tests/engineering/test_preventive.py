"""Preventive maintenance: a machine's plan (every how many days, a checklist), the periodic task
that makes the work orders falling due (once per machine and due date, whatever how often it runs
or how long the server was off), and completing one step by step, a failed step opening a fault."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from engineering import services, tasks
from engineering.models import FaultRequest, MachineStatus, PmCheck, WorkOrder
from hms.models import AuditEntry
from messaging.models import Notification
from tests.engineering.conftest import register

NAIROBI = ZoneInfo("Africa/Nairobi")
STEPS = ["Replace the inlet filters", "Leak test", "Check the alarms"]


@pytest.fixture
def ventilator(staff):
    """A ventilator due for maintenance every 90 days, last serviced 88 days ago (due in 2)."""
    machine = register(
        staff.engineer,
        tag="VENT-1",
        name="Ventilator",
        machine_type="ventilator",
        last_serviced_date=timezone.localdate() - timedelta(days=88),
    )
    return services.pm_plan_save(
        actor=staff.engineer, machine=machine, pm_interval_days=90, steps=STEPS
    )


def test_a_plan_keeps_its_steps_in_order_and_leaves_out_blank_lines(staff, machine):
    services.pm_plan_save(
        actor=staff.engineer,
        machine=machine,
        pm_interval_days=180,
        steps=["  Check the tube  ", "", "Test   the exposure switch", "   "],
    )

    machine.refresh_from_db()
    assert machine.pm_interval_days == 180
    assert list(machine.pm_steps.values_list("position", "text")) == [
        (1, "Check the tube"),
        (2, "Test the exposure switch"),
    ]
    row = AuditEntry.objects.get(action="machine.pm_plan")
    assert row.after["steps"] == ["Check the tube", "Test the exposure switch"]


@pytest.mark.parametrize(
    ("interval", "steps", "field"),
    [(0, [], "pm_interval_days"), (4000, [], "pm_interval_days"), (30, ["x"] * 31, "steps")],
)
def test_a_plan_out_of_bounds_is_refused_beside_its_field(staff, machine, interval, steps, field):
    with pytest.raises(services.EngineeringError) as refused:
        services.pm_plan_save(
            actor=staff.engineer, machine=machine, pm_interval_days=interval, steps=steps
        )

    assert refused.value.field == field
    assert not machine.pm_steps.exists()


def test_only_engineers_and_the_administrator_change_a_plan(staff, machine):
    with pytest.raises(PermissionDenied, match="Only an engineer or an administrator"):
        services.pm_plan_save(actor=staff.nurse, machine=machine, pm_interval_days=30, steps=[])


def test_the_task_makes_the_work_order_due_this_week_with_the_checklist_and_tells_engineers(
    staff, ventilator
):
    made = tasks.make_due_preventive_maintenance.call_local()

    work_order = WorkOrder.objects.get()
    assert made == 1
    assert (work_order.kind, work_order.status, work_order.engineer) == ("preventive", "due", None)
    assert work_order.pm_due_date == timezone.localdate() + timedelta(days=2)
    assert work_order.number.startswith("PM-")
    assert list(work_order.checks.values_list("text", flat=True)) == STEPS
    told = Notification.objects.get(recipient=staff.engineer)
    assert "Preventive maintenance due: 1 work order" in told.text and "Ventilator" in told.text
    assert AuditEntry.objects.filter(action="work_order.pm_due", actor_username="system").exists()


def test_running_the_task_twice_makes_one_work_order(staff, ventilator):
    tasks.make_due_preventive_maintenance.call_local()

    assert tasks.make_due_preventive_maintenance.call_local() == 0

    assert WorkOrder.objects.count() == 1
    assert Notification.objects.filter(recipient=staff.engineer).count() == 1


def test_a_machine_not_due_within_a_week_or_without_a_plan_gets_none(staff, machine):
    register(staff.engineer, tag="NO-PLAN", last_serviced_date=date(2020, 1, 1))
    services.pm_plan_save(actor=staff.engineer, machine=machine, pm_interval_days=30, steps=[])
    machine.refresh_from_db()
    assert machine.pm_next_due_date == timezone.localdate() + timedelta(days=30)

    assert services.pm_work_orders_create() == []


def test_the_database_refuses_a_second_work_order_for_the_same_due_date(staff, ventilator):
    [work_order] = services.pm_work_orders_create()
    WorkOrder.objects.filter(pk=work_order.pk).update(status="resolved", resolved_at=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="PM-X",
            machine=ventilator,
            kind="preventive",
            pm_due_date=work_order.pm_due_date,
            status="due",
            opened_at=timezone.now(),
        )


def test_the_database_refuses_a_second_open_preventive_work_order_on_a_machine(staff, ventilator):
    [work_order] = services.pm_work_orders_create()

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="PM-Y",
            machine=ventilator,
            kind="preventive",
            pm_due_date=work_order.pm_due_date + timedelta(days=1),
            status="due",
            opened_at=timezone.now(),
        )


def test_after_the_server_was_off_for_months_it_catches_up_with_one_overdue_work_order(staff):
    with time_machine.travel(datetime(2026, 1, 5, 9, tzinfo=NAIROBI), tick=False):
        pump = register(
            staff.engineer,
            tag="PUMP-1",
            machine_type="infusion_pump",
            last_serviced_date=date(2026, 1, 5),
        )
        services.pm_plan_save(actor=staff.engineer, machine=pump, pm_interval_days=30, steps=[])
        assert services.pm_work_orders_create() == []  # next due 4 Feb: not this week

    # The server was off from January to May: three due dates passed (4 Feb, 6 Mar, 5 Apr).
    with time_machine.travel(datetime(2026, 5, 20, 9, tzinfo=NAIROBI), tick=False):
        made = services.pm_work_orders_create()
        again = services.pm_work_orders_create()

    assert [w.pm_due_date for w in made] == [date(2026, 2, 4)]  # one, as due since 4 Feb
    assert again == []
    assert "1 overdue" in Notification.objects.get(recipient=staff.engineer).text


def test_completing_counts_the_next_one_from_the_day_it_was_done(staff, ventilator):
    [work_order] = services.pm_work_orders_create()

    services.pm_complete(
        actor=staff.engineer,
        work_order=work_order,
        outcomes=[services.StepOutcome(position=n, passed=True) for n in (1, 2, 3)],
        note="All within limits",
    )

    work_order.refresh_from_db()
    ventilator.refresh_from_db()
    today = timezone.localdate()
    assert (work_order.status, work_order.engineer, work_order.resolved_by) == (
        "resolved",
        staff.engineer,
        staff.engineer,
    )
    assert work_order.resolution == "3 of 3 steps passed. All within limits"
    assert ventilator.last_serviced_date == today
    assert ventilator.pm_next_due_date == today + timedelta(days=90)
    assert list(work_order.checks.values_list("passed", flat=True)) == [True, True, True]
    assert services.pm_work_orders_create() == []
    with time_machine.travel(timezone.now() + timedelta(days=84)):
        [next_one] = services.pm_work_orders_create()
    assert next_one.pm_due_date == today + timedelta(days=90)


def test_a_failed_step_opens_a_fault_request_and_an_unusable_one_takes_the_machine_down(
    staff, ventilator
):
    services.machine_status_change(
        actor=staff.engineer,
        machine=ventilator,
        to_status=MachineStatus.UNDER_MAINTENANCE,
        reason="Preventive maintenance",
    )
    [work_order] = services.pm_work_orders_create()

    services.pm_complete(
        actor=staff.engineer,
        work_order=work_order,
        outcomes=[
            services.StepOutcome(position=1, passed=True),
            services.StepOutcome(
                position=2,
                passed=False,
                note="Leaks 40 ml/min at the expiratory valve",
                report_fault=True,
                unusable=True,
            ),
            services.StepOutcome(position=3, passed=False, note="Low O2 alarm is quiet"),
        ],
    )

    fault = FaultRequest.objects.get()
    ventilator.refresh_from_db()
    leak = PmCheck.objects.get(work_order=work_order, position=2)
    assert leak.fault_request == fault and not leak.passed
    assert fault.unusable and fault.raised_by == staff.engineer and fault.priority == "high"
    assert fault.description == (
        f"{work_order.number} step 2 failed: Leak test: Leaks 40 ml/min at the expiratory valve"
    )
    assert PmCheck.objects.get(work_order=work_order, position=3).fault_request is None
    # Back from maintenance when the work was done, then out of order by the failed step.
    statuses = list(ventilator.status_changes.order_by("id").values_list("to_status", flat=True))
    assert statuses[-2:] == ["operational", "out_of_order"]
    assert ventilator.status == MachineStatus.OUT_OF_ORDER
    work_order.refresh_from_db()
    assert work_order.resolution == "1 of 3 steps passed."


@pytest.mark.parametrize(
    ("outcomes", "field"),
    [
        ([(1, True, ""), (2, True, "")], "step_3_result"),
        ([(1, True, ""), (2, False, "  "), (3, True, "")], "step_2_note"),
    ],
)
def test_a_completion_needs_every_step_and_a_note_for_each_failure(
    staff, ventilator, outcomes, field
):
    [work_order] = services.pm_work_orders_create()

    with pytest.raises(services.EngineeringError) as refused:
        services.pm_complete(
            actor=staff.engineer,
            work_order=work_order,
            outcomes=[services.StepOutcome(position=p, passed=ok, note=n) for p, ok, n in outcomes],
        )

    assert refused.value.field == field
    work_order.refresh_from_db()
    assert work_order.status == "due"
    assert not PmCheck.objects.filter(passed__isnull=False).exists()


def test_a_preventive_work_order_is_completed_not_resolved_and_a_repair_not_completed(
    staff, ventilator
):
    [preventive] = services.pm_work_orders_create()
    fault = services.fault_request_raise(
        actor=staff.nurse, machine=ventilator, description="Alarm", unusable=False
    )
    repair = services.fault_request_take(actor=staff.engineer, fault_request=fault)

    with pytest.raises(services.EngineeringError, match="complete it with its checklist"):
        services.work_order_resolve(actor=staff.engineer, work_order=preventive, resolution="x")
    with pytest.raises(services.EngineeringError, match="fault repair"):
        services.pm_complete(actor=staff.engineer, work_order=repair, outcomes=[])


def test_logging_work_on_a_due_maintenance_makes_it_the_engineers(staff, ventilator):
    [work_order] = services.pm_work_orders_create()
    start = timezone.now() - timedelta(hours=1)
    WorkOrder.objects.filter(pk=work_order.pk).update(opened_at=start)

    services.work_log_add(
        actor=staff.engineer,
        work_order=work_order,
        work_done="Filters replaced",
        labour_minutes=20,
        started_at=start,
        ended_at=start + timedelta(minutes=20),
    )

    work_order.refresh_from_db()
    assert (work_order.status, work_order.engineer) == ("in_progress", staff.engineer)


def test_work_before_a_maintenance_fell_due_is_refused(staff, ventilator):
    [work_order] = services.pm_work_orders_create()
    before = work_order.opened_at - timedelta(hours=2)  # it falls due in two days

    with pytest.raises(services.EngineeringError) as refused:
        services.work_log_add(
            actor=staff.engineer,
            work_order=work_order,
            work_done="Filters replaced",
            labour_minutes=20,
            started_at=before,
            ended_at=before + timedelta(minutes=20),
        )

    assert refused.value.field == "started_at" and "opened" in str(refused.value)
    assert not work_order.log.exists()


# --- screens ---------------------------------------------------------------------------------


def test_overdue_maintenance_is_marked_in_the_queue_and_on_the_dashboard(staff, client_for):
    today = timezone.localdate()
    for tag, serviced in [("LATE-1", 40), ("SOON-1", 25)]:
        machine = register(staff.engineer, tag=tag, name=tag, last_serviced_date=today)
        services.pm_plan_save(actor=staff.engineer, machine=machine, pm_interval_days=30, steps=[])
        machine.last_serviced_date = today - timedelta(days=serviced)
        machine.save(update_fields=["last_serviced_date"])
    services.pm_work_orders_create()
    engineer = client_for(staff.engineer)

    queue = engineer.get(reverse("work_queue")).content.decode()
    panel = engineer.get(reverse("engineering_summary")).content.decode()

    for page in (queue, panel):
        assert 'data-testid="pm-overdue-count">1 overdue' in page
        assert "Overdue 10 days" in page and "LATE-1" in page
        assert "list-group-item-danger" in page
        assert 'data-testid="pm-due">Due ' in page  # SOON-1, due in 5 days


def test_the_plan_screen_saves_one_step_a_line_and_refuses_a_bad_interval(
    staff, client_for, machine
):
    engineer = client_for(staff.engineer)
    url = reverse("pm_plan", args=[machine.pk])

    refused = engineer.post(url, {"pm_interval_days": "1e3", "steps": "Check\nTest"})
    saved = engineer.post(url, {"pm_interval_days": "60", "steps": "Check\r\n\r\nTest"})

    assert refused.status_code == 200
    assert 'id="error_1_id_pm_interval_days"' in refused.content.decode()
    assert "Check\nTest" in refused.content.decode()  # what was typed is kept
    assert saved.status_code == 302
    assert list(machine.pm_steps.values_list("text", flat=True)) == ["Check", "Test"]
    page = engineer.get(machine.get_absolute_url()).content.decode()
    assert "every 60 days, 2 steps" in page


def test_completing_on_the_work_orders_page_a_failed_step_needs_its_note(
    staff, client_for, ventilator
):
    [work_order] = services.pm_work_orders_create()
    engineer = client_for(staff.engineer)
    url = reverse("pm_complete", args=[work_order.pk])
    answers = {"step_1_result": "pass", "step_2_result": "fail_report", "step_3_result": "pass"}

    refused = engineer.post(url, answers)
    done = engineer.post(url, answers | {"step_2_note": "Leaks"}, follow=True)

    assert refused.status_code == 200
    assert 'id="error_1_id_step_2_note"' in refused.content.decode()
    assert 'value="fail_report" selected' in refused.content.decode()
    assert "Preventive maintenance done" in done.content.decode()
    assert FaultRequest.objects.get().description.endswith("Leak test: Leaks")
    page = engineer.get(work_order.get_absolute_url()).content.decode()
    assert 'data-testid="pm-results"' in page and "Fault reported: FR-" in page


def test_the_same_completion_sent_twice_acts_once(staff, client_for, ventilator):
    [work_order] = services.pm_work_orders_create()
    engineer = client_for(staff.engineer)
    answers = {
        "step_1_result": "pass",
        "step_2_result": "fail_report",
        "step_2_note": "Leaks",
        "step_3_result": "pass",
        "submission": str(uuid.uuid4()),
    }

    engineer.post(reverse("pm_complete", args=[work_order.pk]), answers)
    second = engineer.post(reverse("pm_complete", args=[work_order.pk]), answers, follow=True)

    assert FaultRequest.objects.count() == 1
    assert "arrived twice; it was done once" in second.content.decode()
