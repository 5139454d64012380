"""The demo hospital's engineering department: the lab's imaging machines and the wards'
equipment, some under warranty, one out of order with its fault report waiting."""

from datetime import timedelta

from django.utils import timezone

from engineering import downtime
from engineering.models import FaultRequest, Machine, MachineStatusChange, WorkOrder
from hms import audit
from lab.models import LabTest


def test_the_demo_has_a_working_engineering_department(seeded):
    today = timezone.localdate()
    imaging = set(
        LabTest.objects.filter(active=True)
        .exclude(machine_type="")
        .values_list("machine_type", flat=True)
    )
    operational = set(
        Machine.objects.filter(status="operational").values_list("machine_type", flat=True)
    )
    assert imaging and imaging <= operational  # every imaging test has a machine to run on
    assert {"ventilator", "monitor", "infusion_pump", "autoclave"} <= set(
        Machine.objects.values_list("machine_type", flat=True)
    )
    assert Machine.objects.filter(warranty_end_date__gte=today).count() >= 3
    down = Machine.objects.get(status="out_of_order")
    assert FaultRequest.objects.filter(
        machine=down, work_order__isnull=True, unusable=True
    ).exists()
    assert WorkOrder.objects.filter(engineer__username="engineer", status="in_progress").exists()


def test_seeding_again_adds_no_machine(seeded):
    for model in (Machine, FaultRequest):
        assert seeded.second[model._meta.label] == seeded.first[model._meta.label] > 0
    assert audit.verify().ok


def test_the_demo_has_maintenance_plans_one_due_this_week_and_one_overdue(seeded):
    today = timezone.localdate()
    assert not Machine.objects.filter(
        pm_interval_days__isnull=False, pm_steps__isnull=True
    ).exists()
    due = dict(
        WorkOrder.objects.filter(kind="preventive", status="due").values_list(
            "machine__asset_tag", "pm_due_date"
        )
    )
    assert today <= due["RAD-XR-01"] <= today + timedelta(days=7)
    assert due["SUR-AUTO-01"] < today
    # The plans' work orders are made once: a second seed adds none.
    assert seeded.second["engineering.WorkOrder"] == seeded.first["engineering.WorkOrder"]


def test_the_demo_machines_have_a_past_the_figures_can_count(seeded):
    today = timezone.localdate()
    for days in (30, 365):
        start, end = downtime.period_of_days(today - timedelta(days=days - 1), today)
        figures = downtime.downtime_report(start=start, end=end).total
        assert 95 < figures.availability < 100, days
        assert figures.failures >= 3 and figures.mtbf_hours and figures.mttr_hours, days
        assert 0 < figures.pm_compliance < 100, days
    assert Machine.objects.filter(registered_at__date__lt=today - timedelta(days=300)).exists()


def test_the_demo_history_reads_as_if_recorded_as_it_happened(seeded):
    for machine in Machine.objects.all():
        entries = list(machine.status_changes.order_by("effective_at", "id"))
        assert entries[0].from_status == "" and entries[0].effective_at == machine.registered_at
        for before, entry in zip(entries, entries[1:], strict=False):
            assert entry.from_status == before.to_status != entry.to_status, entry
        assert entries[-1].to_status == machine.status
    assert not MachineStatusChange.objects.filter(correction=True).exists()
    assert all(
        entry.effective_at <= entry.recorded_at <= timezone.now()
        for entry in MachineStatusChange.objects.all()
    )
