"""The vitals tests' shared ground: Nairobi's clock at 14:00 on 30 November 2026, the steady adult
set that scores NEWS2 0 (on air and alert), Zawadi Mwangi's stay on Medical Ward bed 5 since a day
before, and a set taken some hours before now by Grace (the nurse) through the service."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from clinical import services
from clinical.models import Vitals
from tests.factories import AdmissionFactory, BedFactory, PatientFactory, WardFactory
from wards.models import Admission

NAIROBI = ZoneInfo("Africa/Nairobi")
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=NAIROBI)
# 0 on the chart with air and alert: RR 16, SpO2 98, BP 120/80, pulse 72, 36.8 °C.
STEADY_VALUES = {
    "respiratory_rate": 16,
    "spo2": 98,
    "systolic": 120,
    "diastolic": 80,
    "pulse": 72,
    "temperature_c": Decimal("36.8"),
}
# The same as a whole Vitals row's fields (air, alert), for Vitals(**...) and the factories.
STEADY_SET = STEADY_VALUES | {"on_oxygen": False, "consciousness": "A"}


def medical_ward_stay(staff) -> Admission:
    """Zawadi Mwangi on Medical Ward bed 5 under Dr Odhiambo, admitted a day before NOW."""
    return AdmissionFactory(
        bed=BedFactory(ward=WardFactory(name="Medical Ward"), number="5"),
        patient=PatientFactory(first_name="Zawadi", last_name="Mwangi"),
        attending_doctor=staff.doctor,
        admitted_at=NOW - timedelta(days=1),
    )


def taken(staff, patient, hours_ago: float, values: dict, **chart) -> Vitals:
    """The set `values` recorded by the nurse `hours_ago` hours before NOW (`chart`: on_oxygen,
    consciousness, note)."""
    with time_machine.travel(NOW - timedelta(hours=hours_ago), tick=False):
        return services.vitals_record(actor=staff.nurse, patient=patient, values=values, **chart)
