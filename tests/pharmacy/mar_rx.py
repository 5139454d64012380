"""What the MAR tests share: an admitted patient on a ward whose store holds a drug, and orders."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinical.services import PrescribingStopped
from pharmacy import services
from tests.factories import (
    AdmissionFactory,
    BatchFactory,
    FormularyItemFactory,
    StoreFactory,
    UserFactory,
    stock_put,
)

NAIROBI = ZoneInfo("Africa/Nairobi")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An aware time in the hospital's zone (settings.TIME_ZONE, Africa/Nairobi in the tests)."""
    return datetime(year, month, day, hour, minute, tzinfo=NAIROBI)


def stocked_ward(units: int = 10, *, item=None, admission=None):
    """An admission whose ward store holds `units` of `item` (a new tablet unless given).
    Returns (admission, item, store). A new admission began three days ago: orders start
    within the stay (pharmacy.services.mar)."""
    admission = admission or AdmissionFactory(admitted_at=timezone.now() - timedelta(days=3))
    item = item or FormularyItemFactory(generic_name="Paracetamol")
    store = StoreFactory(
        name=f"{admission.bed.ward.name} store", kind="ward", ward=admission.bed.ward
    )
    if units:
        stock_put(store, BatchFactory(item=item), units, UserFactory(role="pharmacist"))
    return admission, item, store


def ordered(admission, item, *, doctor=None, read_warnings=True, **fields):
    """An order of `item` for `admission`, written by a doctor through the service; the doctor
    confirms what the prescribing checks warn (a second order of the same drug) unless
    `read_warnings` is False."""
    values = {
        "dose": "1 g",
        "units_per_dose": 2,
        "route": "oral",
        "frequency": "tds",
    }
    values.update(fields)
    values |= {"actor": doctor or UserFactory(role="doctor"), "admission": admission, "item": item}
    try:
        return services.medication_order_create(**values)
    except PrescribingStopped as stopped:
        if stopped.blocks or not read_warnings:
            raise
        codes = [warning.code for warning in stopped.warnings]
        return services.medication_order_create(warnings_confirmed=codes, **values)
