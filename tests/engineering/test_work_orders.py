"""Fault requests become work orders: any member of staff reports a fault (an unusable machine is
Out of order at once), one engineer takes it, logs work with parts and labour, and resolves it
(the machine back to Operational) or hands it to the vendor. The requester hears of each step."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from engineering import services
from engineering.models import FaultRequest, MachineStatus, PartUsed, WorkOrder
from hms.models import AuditEntry
from messaging.models import Notification
from tests.engineering.conftest import register
from tests.races import race


def report(staff, machine, *, unusable=False, priority="normal", by=None):
    return services.fault_request_raise(
        actor=by or staff.nurse,
        machine=machine,
        description="Display flickers, then goes dark",
        unusable=unusable,
        priority=priority,
    )


def test_any_member_of_staff_reports_a_fault_and_the_machine_keeps_working(staff, machine):
    fault = report(staff, machine, by=staff.receptionist)

    machine.refresh_from_db()
    assert fault.number.startswith("FR-") and fault.raised_by == staff.receptionist
    assert machine.status == MachineStatus.OPERATIONAL
    assert AuditEntry.objects.filter(action="fault.raise", object_id=str(fault.pk)).exists()


def test_a_machine_reported_unusable_is_out_of_order_at_once_and_engineers_are_told(staff, machine):
    fault = report(staff, machine, unusable=True)

    machine.refresh_from_db()
    assert machine.status == MachineStatus.OUT_OF_ORDER
    entry = machine.status_changes.order_by("-id").first()
    assert (entry.from_status, entry.to_status, entry.changed_by) == (
        "operational",
        "out_of_order",
        staff.nurse,
    )
    assert entry.reason.startswith(f"{fault.number}: reported unusable")
    told = Notification.objects.get(recipient=staff.engineer)
    assert told.urgent and fault.number in told.text


def test_a_second_unusable_report_leaves_the_history_alone(staff, machine):
    report(staff, machine, unusable=True)

    report(staff, machine, unusable=True, by=staff.doctor)

    assert machine.status_changes.count() == 2  # registered, then out of order once


def test_a_report_needs_what_is_wrong_and_a_known_priority(staff, machine):
    for description, priority, field in [
        ("  ", "normal", "description"),
        ("x", "asap", "priority"),
    ]:
        with pytest.raises(services.EngineeringError) as refused:
            services.fault_request_raise(
                actor=staff.nurse,
                machine=machine,
                description=description,
                unusable=False,
                priority=priority,
            )
        assert refused.value.field == field
    assert not FaultRequest.objects.exists()


def test_a_portal_patient_cannot_report_a_fault(staff, machine):
    with pytest.raises(PermissionDenied, match="Only the hospital's staff"):
        report(staff, machine, by=staff.patient_user)


def test_taking_a_request_makes_it_the_engineers_work_order_and_tells_the_requester(staff, machine):
    fault = report(staff, machine)

    work_order = services.fault_request_take(actor=staff.engineer, fault_request=fault)

    assert (work_order.engineer, work_order.status, work_order.fault_request) == (
        staff.engineer,
        "in_progress",
        fault,
    )
    told = Notification.objects.get(recipient=staff.nurse)
    assert fault.number in told.text and "Samuel Njoroge is on it" in told.text


def test_a_request_already_taken_tells_the_second_engineer_who_has_it(staff, make_user, machine):
    fault = report(staff, machine)
    colleague = make_user("engineer", first_name="Ann", last_name="Wairimu")
    services.fault_request_take(actor=staff.engineer, fault_request=fault)

    with pytest.raises(services.AlreadyTaken) as refused:
        services.fault_request_take(actor=colleague, fault_request=fault)

    assert "Samuel Njoroge took" in str(refused.value)
    assert WorkOrder.objects.count() == 1


def test_only_engineers_and_the_administrator_take_requests(staff, machine):
    fault = report(staff, machine)

    with pytest.raises(PermissionDenied, match="Only an engineer or an administrator"):
        services.fault_request_take(actor=staff.nurse, fault_request=fault)

    assert not WorkOrder.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_engineers_taking_one_request_at_once_one_wins_the_other_is_told(staff, make_user):
    machine = register(staff.engineer)
    fault = report(staff, machine)
    engineers = [staff.engineer, make_user("engineer", first_name="Ann", last_name="Wairimu")]

    def attempt(n: int) -> object:
        return services.fault_request_take(actor=engineers[n], fault_request=fault)

    outcome = race(attempt)

    kinds = sorted(type(v).__name__ for v in outcome.values())
    assert kinds == ["AlreadyTaken", "WorkOrder"], outcome
    winner = next(v for v in outcome.values() if isinstance(v, WorkOrder))
    loser = next(v for v in outcome.values() if isinstance(v, services.AlreadyTaken))
    assert f"{winner.engineer} took {fault.number}" in str(loser)
    assert WorkOrder.objects.filter(fault_request=fault).count() == 1


@pytest.fixture
def work_order(staff, machine):
    fault = report(staff, machine, unusable=True)
    # Reported three hours ago: the work logged below starts after it.
    FaultRequest.objects.filter(pk=fault.pk).update(raised_at=timezone.now() - timedelta(hours=3))
    fault.refresh_from_db()
    return services.fault_request_take(actor=staff.engineer, fault_request=fault)


def test_logging_work_keeps_labour_times_and_parts_with_their_cost(staff, work_order):
    start = timezone.now() - timedelta(hours=2)

    entry = services.work_log_add(
        actor=staff.engineer,
        work_order=work_order,
        work_done="Replaced the backlight inverter",
        labour_minutes=95,
        started_at=start,
        ended_at=start + timedelta(minutes=95),
        parts=[
            services.PartLine(name="Inverter board", quantity=1, unit_cost=Decimal("4500")),
            services.PartLine(name="Fuse 2A", quantity=3, unit_cost=Decimal("33.35")),
        ],
    )

    parts = list(entry.parts.all())
    assert [(p.name, p.quantity, p.cost) for p in parts] == [
        ("Inverter board", 1, Decimal("4500.00")),
        ("Fuse 2A", 3, Decimal("100.05")),
    ]
    row = AuditEntry.objects.get(action="work_order.log")
    assert row.after["parts_cost"] == "4600.05" and row.after["labour_minutes"] == 95
    assert "logged work" in Notification.objects.filter(recipient=staff.nurse).latest("id").text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"work_done": ""}, "work_done"),
        ({"labour_minutes": -5}, "labour_minutes"),
        ({"ended_at": None}, "ended_at"),
        ({"started_at": timezone.now() + timedelta(days=1)}, "started_at"),
        ({"ended_at": timezone.now() - timedelta(days=2)}, "ended_at"),
        ({"parts": [services.PartLine(name="", quantity=1, unit_cost=Decimal(1))]}, "part_1_name"),
        (
            {"parts": [services.PartLine(name="Fuse", quantity=0, unit_cost=Decimal(1))]},
            "part_1_qty",
        ),
        (
            {"parts": [services.PartLine(name="Fuse", quantity=1, unit_cost=Decimal("1.005"))]},
            "part_1_cost",
        ),
    ],
)
def test_a_log_entry_that_cannot_be_right_is_refused_beside_its_field(
    staff, work_order, change, field
):
    start = timezone.now() - timedelta(hours=1)
    arguments = {
        "work_done": "Checked",
        "labour_minutes": 30,
        "started_at": start,
        "ended_at": start + timedelta(minutes=30),
    } | change

    with pytest.raises(services.EngineeringError) as refused:
        services.work_log_add(actor=staff.engineer, work_order=work_order, **arguments)

    assert refused.value.field == field
    assert not PartUsed.objects.exists() and not work_order.log.exists()


def test_resolving_brings_the_machine_back_and_tells_the_requester(staff, machine, work_order):
    services.work_order_resolve(
        actor=staff.engineer, work_order=work_order, resolution="Inverter replaced, tested"
    )

    machine.refresh_from_db()
    work_order.refresh_from_db()
    assert work_order.status == "resolved" and work_order.resolved_by == staff.engineer
    assert machine.status == MachineStatus.OPERATIONAL
    last = machine.status_changes.order_by("-id").first()
    assert last.reason.startswith(f"{work_order.number} resolved")
    told = Notification.objects.filter(recipient=staff.nurse).latest("id")
    assert "resolved by Samuel Njoroge" in told.text


def test_a_machine_another_open_request_calls_unusable_stays_out_of_order(
    staff, machine, work_order
):
    report(staff, machine, unusable=True, by=staff.doctor)  # a second fault, not taken yet

    services.work_order_resolve(actor=staff.engineer, work_order=work_order, resolution="Fixed")

    machine.refresh_from_db()
    assert machine.status == MachineStatus.OUT_OF_ORDER


def test_escalating_waits_for_the_vendor_with_their_reference(staff, machine, work_order):
    services.work_order_escalate(
        actor=staff.engineer, work_order=work_order, vendor_reference="SIE-88213"
    )

    work_order.refresh_from_db()
    assert (work_order.status, work_order.vendor_reference) == ("waiting_vendor", "SIE-88213")
    assert (
        "reference SIE-88213"
        in Notification.objects.filter(recipient=staff.nurse).latest("id").text
    )
    with pytest.raises(services.EngineeringError) as refused:
        services.work_order_escalate(
            actor=staff.engineer, work_order=work_order, vendor_reference="x"
        )
    assert "already with the vendor" in str(refused.value)


def test_an_escalation_needs_the_vendors_reference(staff, work_order):
    with pytest.raises(services.EngineeringError) as refused:
        services.work_order_escalate(
            actor=staff.engineer, work_order=work_order, vendor_reference=" "
        )

    assert refused.value.field == "vendor_reference"


def test_nothing_more_is_done_on_a_resolved_work_order(staff, work_order):
    services.work_order_resolve(actor=staff.engineer, work_order=work_order, resolution="Fixed")

    with pytest.raises(services.EngineeringError) as refused:
        services.work_order_resolve(actor=staff.engineer, work_order=work_order, resolution="Again")

    assert "was resolved" in str(refused.value)
