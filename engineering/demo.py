"""Demo records of engineering: the imaging machines the lab's catalogue is done on and the wards'
equipment (ventilators, monitors, infusion pumps, an autoclave), some under warranty (one ending
soon), one infusion pump out of order with its fault report waiting for an engineer, and a
monitor the engineer is working on; every machine with a preventive-maintenance plan and its
checklist, the X-ray room's maintenance due this week and the autoclave's overdue."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Department, User
from engineering import services
from engineering.models import Machine, MachineStatus, PmStep

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
# due this week (180-day interval) and the autoclave overdue (90-day interval).
PM_LAST_SERVICED = {"RAD-XR-01": 176, "SUR-AUTO-01": 95}


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


def seed(log) -> None:
    engineer = User.objects.filter(username="engineer").first()
    nurse = User.objects.filter(username="nurse").first()
    if engineer is None or Machine.objects.exists():
        if engineer is not None:
            seed_preventive(engineer, log)
        log(f"Engineering: {Machine.objects.count()} machines in the register.")
        return
    departments = {d.code: d for d in Department.objects.all()}
    today = timezone.localdate()
    machines = {}
    for n, row in enumerate(DEMO_MACHINES, 1):
        tag, name, kind, dept, criticality, maker, model, years, warranty, vendor, pm = row
        installed = today - timedelta(days=365 * years + 20)
        machines[tag] = services.machine_register(
            actor=engineer,
            name=name,
            asset_tag=tag,
            machine_type=kind,
            department=departments.get(dept),
            criticality=criticality,
            manufacturer=maker,
            model_name=model,
            serial_number=f"{''.join(c for c in maker if c.isalpha())[:3].upper()}-{2019 + years}{n:04d}",
            installed_date=installed,
            warranty_end_date=(
                today + timedelta(days=warranty) if warranty else installed + timedelta(days=365)
            ),
            service_vendor=vendor,
            vendor_contact="+254 20 000 0000",
            last_serviced_date=today - timedelta(days=PM_LAST_SERVICED.get(tag, pm // 2)),
            pm_interval_days=pm,
        )
    if nurse is not None:
        # The pump that stopped on the medical ward: reported unusable, waiting for an engineer.
        services.fault_request_raise(
            actor=nurse,
            machine=machines["MED-PUMP-02"],
            description="Occlusion alarm keeps sounding with a clear line; pump stops the infusion.",
            unusable=True,
            priority="urgent",
        )
        # A monitor whose SpO2 reading drops out: the engineer is on it.
        fault = services.fault_request_raise(
            actor=nurse,
            machine=machines["MED-MON-02"],
            description="SpO2 reading drops out every few minutes.",
            unusable=False,
            priority="normal",
        )
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
