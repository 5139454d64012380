"""The asset register and each machine's status history: changes are appended, never rewritten;
a back-dated correction is its own entry."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from engineering import services
from engineering.models import Machine, MachineStatus, MachineStatusChange
from hms.models import AuditEntry
from tests.engineering.conftest import register


def test_registering_a_machine_starts_its_history_and_is_audited(staff):
    machine = register(staff.engineer, tag=" eng-0042 ", name="Portable X-ray")

    assert machine.asset_tag == "ENG-0042"
    assert machine.status == MachineStatus.OPERATIONAL
    (first,) = machine.status_changes.all()
    assert (first.from_status, first.to_status, first.changed_by) == (
        "",
        "operational",
        staff.engineer,
    )
    assert AuditEntry.objects.filter(action="machine.register", object_id=str(machine.pk)).exists()


def test_an_asset_tag_belongs_to_one_machine_whatever_its_case(staff, machine):
    with pytest.raises(services.EngineeringError) as refused:
        register(staff.admin, tag="eng-0001", name="Another X-ray")

    assert refused.value.field == "asset_tag"
    assert "already the tag of X-ray unit" in str(refused.value)
    assert Machine.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asset_tag": "ENG 01"}, "asset_tag"),
        ({"asset_tag": "ENG/01"}, "asset_tag"),
        ({"machine_type": "toaster"}, "machine_type"),
        ({"name": "x" * 121}, "name"),
        ({"criticality": "whenever"}, "criticality"),
    ],
)
def test_a_value_the_register_cannot_hold_is_refused_beside_its_field(staff, fields, field):
    arguments = {"asset_tag": "ENG-0009", "name": "Monitor", "machine_type": "monitor"} | fields

    with pytest.raises(services.EngineeringError) as refused:
        services.machine_register(actor=staff.engineer, **arguments)

    assert refused.value.field == field
    assert not Machine.objects.exists()


@pytest.mark.parametrize("role", ["doctor", "nurse", "lab_technician", "receptionist"])
def test_only_engineers_and_the_administrator_keep_the_register(staff, role):
    with pytest.raises(PermissionDenied, match="Only an engineer or an administrator"):
        register(getattr(staff, role))

    assert not Machine.objects.exists()


def test_editing_keeps_the_status_and_audits_before_and_after(staff, machine):
    services.machine_edit(
        actor=staff.admin,
        machine=machine,
        name="X-ray unit 2",
        asset_tag="ENG-0001",
        machine_type="xray",
        manufacturer="Siemens",
    )

    machine.refresh_from_db()
    assert (machine.name, machine.manufacturer, machine.status) == (
        "X-ray unit 2",
        "Siemens",
        "operational",
    )
    row = AuditEntry.objects.get(action="machine.edit")
    assert row.before["name"] == "X-ray unit" and row.after["name"] == "X-ray unit 2"


def test_each_status_change_is_a_new_entry_from_to_who_and_why(staff, machine):
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="out_of_order", reason="Tube failed"
        )
        down_at = timezone.now()
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="operational", reason="Tube replaced"
        )

    machine.refresh_from_db()
    history = list(machine.status_changes.order_by("effective_at"))
    assert [(e.from_status, e.to_status) for e in history] == [
        ("", "operational"),
        ("operational", "out_of_order"),
        ("out_of_order", "operational"),
    ]
    assert history[1].effective_at == down_at and history[1].reason == "Tube failed"
    assert machine.status == "operational" and machine.status_since == history[2].effective_at
    audited = AuditEntry.objects.filter(action="machine.status").order_by("id")
    assert [(a.before["status"], a.after["status"]) for a in audited] == [
        ("operational", "out_of_order"),
        ("out_of_order", "operational"),
    ]


def test_a_history_entry_is_never_changed_or_removed(machine):
    entry = machine.status_changes.get()

    with pytest.raises(PermissionError):
        entry.reason = "rewritten"
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_changing_to_the_status_it_has_is_refused(staff, machine):
    with pytest.raises(services.EngineeringError) as refused:
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="operational", reason="Checked"
        )

    assert "already" in str(refused.value)
    assert machine.status_changes.count() == 1


@pytest.mark.parametrize(
    ("to_status", "reason", "field"),
    [
        ("broken", "x", "to_status"),
        ("out_of_order", "  ", "reason"),
        ("out_of_order", "x" * 501, "reason"),
    ],
)
def test_a_status_change_needs_a_known_status_and_a_reason(
    staff, machine, to_status, reason, field
):
    with pytest.raises(services.EngineeringError) as refused:
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status=to_status, reason=reason
        )

    assert refused.value.field == field


def test_only_engineers_and_the_administrator_change_a_status(staff, machine):
    with pytest.raises(PermissionDenied, match="Only an engineer or an administrator"):
        services.machine_status_change(
            actor=staff.nurse, machine=machine, to_status="out_of_order", reason="Smoke"
        )

    machine.refresh_from_db()
    assert machine.status == "operational"


def test_a_back_dated_correction_is_its_own_entry_and_the_status_runs_from_it(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        machine = register(staff.engineer)
    with time_machine.travel(start + timedelta(hours=10), tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="out_of_order", reason="Reported down"
        )
    with time_machine.travel(start + timedelta(hours=11), tick=False):
        # It had really stopped at 07:30 (hour 7.5), before anyone reported it.
        correction = services.machine_status_change(
            actor=staff.engineer,
            machine=machine,
            to_status="out_of_order",
            reason="Night nurse saw it stop",
            effective_at=start + timedelta(hours=7, minutes=30),
        )

    machine.refresh_from_db()
    assert correction.correction and correction.from_status == "operational"
    assert correction.recorded_at == start + timedelta(hours=11)
    assert machine.status == "out_of_order"
    assert machine.status_since == start + timedelta(hours=7, minutes=30)
    assert MachineStatusChange.objects.filter(machine=machine).count() == 3
    assert AuditEntry.objects.filter(action="machine.status_correction").count() == 1


def test_a_correction_earlier_than_later_entries_leaves_the_current_status(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        machine = register(staff.engineer)
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="maintenance", reason="Service"
        )
        services.machine_status_change(
            actor=staff.engineer,
            machine=machine,
            to_status="out_of_order",
            reason="Was down overnight",
            effective_at=start + timedelta(hours=1),
        )

    machine.refresh_from_db()
    assert machine.status == "maintenance"
    assert machine.status_since == start + timedelta(hours=5)


def test_a_correction_cannot_be_in_the_future_or_before_the_register(staff, machine):
    for moment in (timezone.now() + timedelta(hours=1), machine.registered_at - timedelta(days=1)):
        with pytest.raises(services.EngineeringError) as refused:
            services.machine_status_change(
                actor=staff.engineer,
                machine=machine,
                to_status="out_of_order",
                reason="x",
                effective_at=moment,
            )
        assert refused.value.field == "effective_at"
    assert machine.status_changes.count() == 1
