"""Demo records of the pharmacy: the medication administration record. The Intensive Care Unit's
severe malaria stay (wards' demo, bed 01) gets its medication chart: IV artesunate every 12 hours
(WHO Guidelines for malaria, 2023: 2.4 mg/kg at 0, 12 and 24 hours, then daily; 144 mg for a
60 kg adult is three 60 mg vials), paracetamol when required for fever, omeprazole once daily.
The ICU store receives the vials and tablets from the main store (a transfer, received by the
ward's nurse), and the doses due since the orders began are recorded: given, one held with its
reason, the latest omeprazole dose left unrecorded (overdue on the nurse's home once an hour
late). The orders start 18 hours before seeding (the first dose was given in the emergency unit
before the transfer to the ICU: wards' demo admits the stay there 19 hours before seeding), so the
demo has a shift behind it; never before the stay's admission, so no dose precedes it.

Made once: the stay's first medication order marks it. The doses are recorded through the
service (stock drawn, charges posted); their recorded time is then set to ten minutes after each
dose was due (at most now), as a nurse on that shift would have recorded it (demo data only)."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from clinical.services import PrescribingStopped
from hms.refusals import Refusal
from pharmacy import mar, services
from pharmacy.models import (
    DoseOutcome,
    FormularyItem,
    MedicationAdministration,
    MedicationOrder,
    Store,
    StoreKind,
    admission_model,
)

ORDERS = [
    # generic, strength, dose, units per dose, route, frequency, PRN max, indication
    ("Artesunate", "60 mg", "144 mg (2.4 mg/kg)", 3, "iv", "q12h", None, ""),
    ("Paracetamol", "500 mg", "1 g", 2, "oral", "prn", 4, "Fever above 38.5 °C or pain"),
    ("Omeprazole", "20 mg", "20 mg", 1, "oral", "od", None, ""),
]
WARD_STOCK = {"Artesunate": 24, "Paracetamol": 60, "Omeprazole": 14}


def _order_read(**fields: object) -> object:
    """An order the demo doctor writes having read what the prescribing checks warn (the ICU
    patient may have paracetamol on an outpatient prescription too: duplicate therapy)."""
    try:
        return services.medication_order_create(**fields)
    except PrescribingStopped as stopped:
        if stopped.blocks:
            raise
        codes = [warning.code for warning in stopped.warnings]
        return services.medication_order_create(warnings_confirmed=codes, **fields)


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour at or after `moment`."""
    whole = moment.replace(minute=0, second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(hours=1)


def _icu_stay() -> object | None:
    return (
        admission_model()
        .objects.filter(
            discharged_at__isnull=True,
            bed__ward__name="Intensive Care Unit",
            bed__number="01",
        )
        .select_related("patient", "bed")
        .first()
    )


def _stock_ward(store: Store, items: dict[str, FormularyItem], pharmacist: User, nurse: User):
    main = Store.objects.filter(kind=StoreKind.MAIN, active=True).first()
    lines = [
        services.TransferRequest(item=items[name], quantity=n) for name, n in WARD_STOCK.items()
    ]
    if main is None:
        return
    try:
        transfer = services.transfer_send(
            actor=pharmacist, from_store=main, to_store=store, lines=lines, note="ICU MAR stock"
        )
    except Refusal:
        return  # the main store runs short: the ward records doses "not available"
    services.transfer_receive(actor=nurse, transfer=transfer)


def seed_late(log) -> None:
    doctor = User.objects.filter(username="doctor").first()
    nurse = User.objects.filter(username="nurse").first()
    pharmacist = User.objects.filter(username="pharmacist").first()
    stay = _icu_stay()
    if None in (doctor, nurse, pharmacist, stay):
        return
    if MedicationOrder.objects.filter(admission=stay).exists():
        return
    store = Store.objects.filter(kind=StoreKind.WARD, ward_id=stay.bed.ward_id).first()
    items = {
        generic: FormularyItem.objects.filter(
            generic_name=generic, strength=strength, active=True
        ).first()
        for generic, strength, *_ in ORDERS
    }
    if store is None or None in items.values():
        return
    _stock_ward(store, items, pharmacist, nurse)
    now = timezone.now()
    start = max(
        now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=18),
        _next_hour(stay.admitted_at),
    )
    recorded = 0
    for generic, _strength, dose, units, route, frequency, most, indication in ORDERS:
        order = _order_read(
            actor=doctor,
            admission=stay,
            item=items[generic],
            dose=dose,
            units_per_dose=units,
            route=route,
            frequency=frequency,
            start_at=start,
            prn_max_per_24h=most,
            indication=indication,
        )
        if order.is_prn:
            done = [services.dose_record(actor=nurse, order=order, outcome=DoseOutcome.GIVEN)]
            when = [max(now - timedelta(hours=5), start + timedelta(minutes=30))]
        else:
            due = mar.due_times(order, start, now)
            if frequency == "od":
                due = due[:-1]  # the latest left unrecorded: overdue on the nurse's home
            done, when = [], []
            for n, due_at in enumerate(due):
                held = frequency == "od" and n == 0
                done.append(
                    services.dose_record(
                        actor=nurse,
                        order=order,
                        due_at=due_at,
                        outcome=DoseOutcome.HELD if held else DoseOutcome.GIVEN,
                        reason="Nil by mouth: vomiting on arrival" if held else "",
                    )
                )
                when.append(min(due_at + timedelta(minutes=10), now))
        for record, at in zip(done, when, strict=True):
            MedicationAdministration.objects.filter(pk=record.pk).update(recorded_at=at)
        recorded += len(done)
    log(f"Pharmacy: medication chart of {stay.patient} ({len(ORDERS)} orders, {recorded} doses).")
