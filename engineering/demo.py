"""Demo records of engineering: the imaging machines the lab's catalogue is done on and the wards'
equipment (ventilators, monitors, infusion pumps, an autoclave), some under warranty (one ending
soon), one infusion pump out of order with its fault report waiting for an engineer, and a
monitor the engineer is working on; every machine with a preventive-maintenance plan and its
checklist, the X-ray room's maintenance due this week and the autoclave's overdue.

The machines have a past, so the downtime figures (availability, MTBF, MTTR, PM compliance) have
a year to count: each entered the register when it was installed (at most 400 days ago), with
the failures and repairs of DEMO_FAILURES and its maintenances done (mostly on time) written into
its status history as they would have been recorded then.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from engineering import services
from engineering.models import (
    IMAGING_MACHINE_TYPES,
    PRIORITY_RANK,
    FaultRequest,
    Machine,
    MachineStatus,
    MachineStatusChange,
    PmCheck,
    PmStep,
    Priority,
    WorkKind,
    WorkOrder,
    WorkOrderStatus,
)
from hms import audit, params
from hms.demo_clock import DemoClock
from hms.numbering import next_number, yearly_number

# tag, name, type, department code, criticality, manufacturer, model, installed (years ago),
# warranty left (days; None: ended long ago), vendor, PM interval (days)
DEMO_MACHINES = [
    ("RAD-XR-01", "X-ray room 1", "xray", "RAD", "high", "Siemens", "Multix Impact", 3, 400, "Siemens Healthineers Kenya", 180),
    ("RAD-US-01", "Ultrasound scanner", "ultrasound", "RAD", "high", "GE", "Logiq P9", 2, 45, "GE Healthcare EA", 180),
    ("RAD-CT-01", "CT scanner", "ct", "RAD", "high", "Philips", "Incisive CT", 1, 900, "Philips East Africa", 90),
    ("CAR-ECG-01", "ECG machine", "ecg", "MED", "medium", "Schiller", "Cardiovit AT-102", 4, None, "Medisel Kenya", 365),
    ("EMR-VENT-01", "Ventilator, resus bay 1", "ventilator", "EMR", "life_support", "Dräger", "Savina 300", 2, 200, "Dräger Kenya", 90),
    ("EMR-VENT-02", "Ventilator, resus bay 2", "ventilator", "EMR", "life_support", "Dräger", "Savina 300", 2, 200, "Dräger Kenya", 90),
    ("MED-MON-01", "Patient monitor, bed 1", "monitor", "MED", "high", "Mindray", "ePM 10", 3, None, "Mindray Medical", 180),
    ("MED-MON-02", "Patient monitor, bed 2", "monitor", "MED", "high", "Mindray", "ePM 10", 3, None, "Mindray Medical", 180),
    ("SUR-MON-01", "Theatre monitor", "monitor", "SUR", "life_support", "Philips", "IntelliVue MX450", 1, 30, "Philips East Africa", 180),
    ("MED-PUMP-01", "Infusion pump 1", "infusion_pump", "MED", "high", "B. Braun", "Infusomat Space", 2, None, "B. Braun Kenya", 365),
    ("MED-PUMP-02", "Infusion pump 2", "infusion_pump", "MED", "high", "B. Braun", "Infusomat Space", 2, None, "B. Braun Kenya", 365),
    ("PAE-PUMP-01", "Syringe pump, paediatrics", "infusion_pump", "PAE", "high", "B. Braun", "Perfusor Space", 1, 300, "B. Braun Kenya", 365),
    ("SUR-AUTO-01", "Autoclave, theatre sterile supply", "autoclave", "SUR", "medium", "Tuttnauer", "3870EA", 5, None, "Tuttnauer Service EA", 90),
]  # fmt: skip


# The checklist of each machine type's preventive maintenance.
PM_CHECKLISTS = {
    "xray": ["Check tube head and collimator for oil leaks and damage", "Test the exposure switch and emergency stop", "Measure kV and mA accuracy with the test meter", "Check lead aprons and room shielding signs", "Electrical safety test (earth leakage)"],
    "ultrasound": ["Inspect probes and cables for cracks", "Clean air filters", "Image quality check on the phantom", "Electrical safety test (earth leakage)"],
    "ct": ["Run the vendor's daily calibration and air scan", "Check gantry and table movement", "Clean the cooling filters", "Image quality check on the water phantom"],
    "ecg": ["Inspect leads and electrodes", "Record a simulator trace at 1 mV", "Check the printer and paper feed", "Battery runs 30 minutes unplugged"],
    "ventilator": ["Replace the inlet filters", "Leak and compliance test", "Check alarms: disconnection, high pressure, low O2", "Calibrate the O2 sensor", "Battery runs 30 minutes unplugged"],
    "monitor": ["Check SpO2, NIBP and ECG against the simulator", "Check alarm volume and limits", "Inspect cables and cuffs", "Battery runs 30 minutes unplugged"],
    "infusion_pump": ["Flow-rate accuracy test (volumetric)", "Occlusion alarm test", "Check the door latch and clamp", "Battery runs 30 minutes unplugged"],
    "autoclave": ["Inspect and clean the door seal", "Bowie-Dick test cycle", "Check the safety valve", "Record a biological indicator test", "Drain and clean the chamber and reservoir"],
}  # fmt: skip
# Days since each demo machine was last serviced, where not half its interval: the X-ray room is
# due this week (180-day interval) and the autoclave overdue (90-day interval); a few were
# serviced in the last month, so the overview's 30 days have maintenance done on time.
PM_LAST_SERVICED = {
    "RAD-XR-01": 176,
    "SUR-AUTO-01": 95,
    "RAD-CT-01": 10,
    "EMR-VENT-01": 20,
    "MED-MON-01": 25,
    "EMR-VENT-02": 60,
}
# The register was started this long ago (a machine installed since entered it on its day).
REGISTER_STARTED_DAYS = 400
# How late each earlier maintenance was done (days after it fell due; the latest first, cycling):
# most on time, a few late, so PM compliance is not 100 %.
PM_LATENESS = [0, 0, 4, -2, 9, 1]
PM_HOURS = 3  # a maintenance takes the machine out of use from 09:00 for this long

# The failures of the past year: (days ago, hour it stopped, hours until back in use, what was
# wrong, what fixed it). Each is Out of order (reported by a nurse, or the lab for imaging), Under
# maintenance once the engineer had it, then Operational: the figures' failures and restorations.
DEMO_FAILURES = {
    "RAD-XR-01": [(210, 8, 30, "No exposure: generator fault code E-214", "generator control board replaced by the vendor")],
    "RAD-US-01": [(20, 11, 74, "Linear probe image shows a dark stripe", "probe replaced under warranty")],
    "RAD-CT-01": [(290, 9, 36, "Tube arcing during scans", "tube conditioning, HV cable reseated"), (140, 14, 8, "Gantry stops with a UPS alarm", "UPS batteries replaced"), (12, 7, 26, "Gantry overheating warning", "cooling fan and filters replaced")],
    "CAR-ECG-01": [(95, 10, 20, "Trace is noisy on every lead", "patient cable replaced")],
    "EMR-VENT-01": [(230, 3, 6, "Low O2 alarm with a full supply", "O2 sensor replaced")],
    "MED-MON-01": [(75, 15, 5, "NIBP cuff does not inflate", "leaking pump hose replaced")],
    "MED-PUMP-01": [(260, 12, 50, "Door will not latch", "door latch assembly replaced"), (33, 9, 22, "Occlusion alarm with a clear line", "pressure sensor recalibrated")],
    "MED-PUMP-02": [(120, 16, 28, "Battery lasts ten minutes", "battery replaced")],
    "SUR-AUTO-01": [(320, 8, 70, "Chamber does not reach 134 °C", "heating element replaced"), (170, 8, 240, "Door seal leaking steam", "door seal replaced once the part came from the vendor")],
}  # fmt: skip


def seed_preventive(engineer: User, log) -> None:
    """Each demo machine's maintenance plan, and the work orders of those falling due."""
    if PmStep.objects.exists():
        return
    for machine in Machine.objects.filter(asset_tag__in=[row[0] for row in DEMO_MACHINES]):
        services.pm_plan_save(
            actor=engineer,
            machine=machine,
            pm_interval_days=machine.pm_interval_days,
            steps=PM_CHECKLISTS.get(machine.machine_type, []),
        )
    made = services.pm_work_orders_create()
    log(f"Engineering: {len(made)} preventive maintenance work orders due.")


def _at(day: date, hour: float) -> datetime:
    """A moment of the demo's past: `hour` o'clock (fractions allowed) on `day`, the hospital's
    zone."""
    midnight = datetime.combine(day, time(0), tzinfo=params.hospital_zone())
    return midnight + timedelta(hours=hour)


@dataclass
class PastEvent:
    """A stretch of a machine's past away from Operational: from `start` to `end`, an entry
    into each status of `steps` ((hours after start, status, who, why)), Operational at `end`."""

    start: datetime
    end: datetime
    steps: list
    back: str
    service: tuple | None = None  # a maintenance: (due date, checklist)


def _past_events(
    tag: str,
    machine_type: str,
    registered: datetime,
    last_serviced: date,
    interval: int,
    people: dict,
) -> list[PastEvent]:
    """The machine's failures (DEMO_FAILURES) and its maintenances back from `last_serviced`,
    every `interval` days (each done PM_LATENESS days after it fell due), after `registered`."""
    today = timezone.localdate()
    events = []
    for days, hour, hours, fault, repair in DEMO_FAILURES.get(tag, []):
        start = _at(today - timedelta(days=days), hour)
        reporter = people["lab"] if machine_type in IMAGING_MACHINE_TYPES else people["nurse"]
        steps = [
            (0, MachineStatus.OUT_OF_ORDER, reporter, f"Reported unusable: {fault}"),
            (
                min(2, hours / 2),
                MachineStatus.UNDER_MAINTENANCE,
                people["engineer"],
                "Taken for repair",
            ),
        ]
        events.append(
            PastEvent(start, start + timedelta(hours=hours), steps, f"Repaired: {repair}")
        )
    served, k = last_serviced, 0
    while served > registered.date():
        due = served - timedelta(days=PM_LATENESS[k % len(PM_LATENESS)])
        start = _at(served, 9)
        clash = any(e.start - timedelta(days=1) < start < e.end + timedelta(days=1) for e in events)
        if not clash:
            steps = [
                (0, MachineStatus.UNDER_MAINTENANCE, people["engineer"], "Preventive maintenance")
            ]
            checklist = PM_CHECKLISTS.get(machine_type, [])
            events.append(
                PastEvent(
                    start,
                    start + timedelta(hours=PM_HOURS),
                    steps,
                    "Preventive maintenance done",
                    service=(due, checklist),
                )
            )
        served, k = due - timedelta(days=interval), k + 1
    return sorted(events, key=lambda event: event.start)


def _pm_done(machine: Machine, event: PastEvent, engineer: User) -> None:
    """A maintenance of the demo's past: its work order (made by the task a week before it fell
    due, numbered in the series of that year) resolved with every step passed."""
    due, checklist = event.service
    made = _at(due - timedelta(days=services.PM_LEAD_DAYS), 0.12)
    work_order = WorkOrder.objects.create(
        number=f"PM-{made.year}-{next_number(f'pm-{made.year}'):06d}",
        machine=machine,
        kind=WorkKind.PREVENTIVE,
        pm_due_date=due,
        engineer=engineer,
        opened_at=made,
        status=WorkOrderStatus.RESOLVED,
        resolved_at=event.end,
        resolved_by=engineer,
        resolution=f"{len(checklist)} of {len(checklist)} steps passed.",
    )
    PmCheck.objects.bulk_create(
        PmCheck(work_order=work_order, position=n, text=text, passed=True)
        for n, text in enumerate(checklist, 1)
    )


@transaction.atomic
def _register_with_past(engineer: User, people: dict, fields: dict) -> Machine:
    """A demo machine entered in the register when it was installed (at most
    REGISTER_STARTED_DAYS ago), with the status history of its past: each entry written as it
    would have been then (recorded when it took effect, never a correction), so the downtime
    figures have a year to count. The model's rules stand: entries are only added, none takes
    effect after it was recorded, and the machine's status is its history's last entry."""
    today = timezone.localdate()
    started = max(fields["installed_date"], today - timedelta(days=REGISTER_STARTED_DAYS))
    registered = _at(started, 8)
    machine = Machine(
        **fields,
        status=MachineStatus.OPERATIONAL,
        status_since=registered,
        registered_at=registered,
    )
    machine.full_clean(validate_unique=False)
    machine.save()
    entries = [
        (registered, "", MachineStatus.OPERATIONAL, engineer, "Entered in the asset register")
    ]
    status = MachineStatus.OPERATIONAL
    events = _past_events(
        machine.asset_tag,
        machine.machine_type,
        registered,
        machine.last_serviced_date,
        machine.pm_interval_days,
        people,
    )
    for event in events:
        for hours, to_status, who, why in event.steps:
            entries.append((event.start + timedelta(hours=hours), status, to_status, who, why))
            status = to_status
        entries.append(
            (event.end, status, MachineStatus.OPERATIONAL, people["engineer"], event.back)
        )
        status = MachineStatus.OPERATIONAL
        if event.service:
            _pm_done(machine, event, engineer)
    MachineStatusChange.objects.bulk_create(
        MachineStatusChange(
            machine=machine,
            from_status=before,
            to_status=to_status,
            effective_at=moment,
            recorded_at=moment,
            changed_by=who,
            reason=why,
        )
        for moment, before, to_status, who, why in entries
    )
    machine.status_since = entries[-1][0]
    machine.save(update_fields=["status_since"])
    audit.record(
        actor=engineer,
        action="machine.register",
        obj=machine,
        after=audit.snapshot(machine, [*services.MACHINE_FIELDS, "status"])
        | {"demo_history_from": registered, "demo_history_entries": len(entries)},
    )
    return machine


def seed(log) -> None:
    engineer = User.objects.filter(username="engineer").first()
    nurse = User.objects.filter(username="nurse").first()
    if engineer is None or Machine.objects.exists():
        if engineer is not None:
            seed_preventive(engineer, log)
        log(f"Engineering: {Machine.objects.count()} machines in the register.")
        return
    departments = {d.code: d for d in Department.objects.all()}
    lab = User.objects.filter(username="lab").first()
    people = {"engineer": engineer, "nurse": nurse or engineer, "lab": lab or nurse or engineer}
    today = timezone.localdate()
    machines = {}
    for n, row in enumerate(DEMO_MACHINES, 1):
        tag, name, kind, dept, criticality, maker, model, years, warranty, vendor, pm = row
        installed = today - timedelta(days=365 * years + 20)
        machines[tag] = _register_with_past(
            engineer,
            people,
            {
                "name": name,
                "asset_tag": tag,
                "machine_type": kind,
                "department": departments.get(dept),
                "criticality": criticality,
                "manufacturer": maker,
                "model_name": model,
                "serial_number": f"{''.join(c for c in maker if c.isalpha())[:3].upper()}-{2019 + years}{n:04d}",
                "installed_date": installed,
                "warranty_end_date": (
                    today + timedelta(days=warranty)
                    if warranty
                    else installed + timedelta(days=365)
                ),
                "service_vendor": vendor,
                "vendor_contact": "+254 20 000 0000",
                "last_serviced_date": today - timedelta(days=PM_LAST_SERVICED.get(tag, pm // 2)),
                "pm_interval_days": pm,
            },
        )
    if nurse is not None:
        # A small fault reported nine days ago that nobody has taken yet (low priority).
        with transaction.atomic():
            FaultRequest.objects.create(
                number=yearly_number("FR"),
                machine=machines["CAR-ECG-01"],
                raised_by=nurse,
                raised_at=timezone.now() - timedelta(days=9, hours=3),
                description="Printer paper feed jams now and then; the trace still shows on screen.",
                unusable=False,
                priority=Priority.LOW,
                priority_rank=PRIORITY_RANK[Priority.LOW],
            )
        # The pump that stopped on the medical ward: reported unusable, waiting for an engineer.
        services.fault_request_raise(
            actor=nurse,
            machine=machines["MED-PUMP-02"],
            description="Occlusion alarm keeps sounding with a clear line; pump stops the infusion.",
            unusable=True,
            priority="urgent",
        )
        # A monitor whose SpO2 reading drops out, reported two hours ago: the engineer is on it
        # (work is logged from after the report, as the service requires).
        with DemoClock() as clock:
            clock.set(timezone.now() - timedelta(hours=2))
            fault = services.fault_request_raise(
                actor=nurse,
                machine=machines["MED-MON-02"],
                description="SpO2 reading drops out every few minutes.",
                unusable=False,
                priority="normal",
            )
            clock.set(timezone.now() + timedelta(minutes=20))
            work_order = services.fault_request_take(actor=engineer, fault_request=fault)
        started = timezone.now() - timedelta(hours=1)
        services.work_log_add(
            actor=engineer,
            work_order=work_order,
            work_done="Checked the SpO2 cable and sensor; cable damaged near the connector.",
            labour_minutes=30,
            started_at=started,
            ended_at=started + timedelta(minutes=30),
        )
    services.machine_status_change(
        actor=engineer,
        machine=machines["SUR-AUTO-01"],
        to_status=MachineStatus.UNDER_MAINTENANCE,
        reason="Door seal replacement and chamber validation",
    )
    seed_preventive(engineer, log)
    log(f"Engineering: {Machine.objects.count()} machines in the register.")
