"""The large hospital's pharmacy (tests/bench/large_hospital.py): a formulary of the size a
200-bed hospital stocks, a store for every ward, what the doctors prescribed, and two years of the
stock ledger, written in bulk as the services would have left them.

- The formulary: the demo's items, about sixty more from the Kenyan essential medicines list, and
  one to three other makers' brands of each unbranded tablet and capsule, each added through
  pharmacy.services.formulary_item_save (its charge item made with it, audited).
- Prescriptions: a consultation's diagnosis gives its usual regimen (REGIMENS: the main treatment
  and up to two more lines), the item one of the formulary's makes of the drug, the quantity
  dose × frequency × duration as clinical.dosing reads it for the prescribing service; now and
  then a drug the hospital does not stock (outside).
- Stock: a delivery into the main store at the start of each month from the item's supplier (a
  batch per line, expiring 6 to 36 months on: a short-dated delivery is taken before an older,
  longer-dated one), topping it up to ten weeks' use; every Monday a transfer to the pharmacy up to
  two weeks' use and the item's longest course; every prescription dispensed at the pharmacy's counter within two hours of its
  consultation, first expiry first out, its charge posted to the patient's account (to the stay
  of an inpatient), the counter topped up from the main store when a line would run it short;
  each ward store supplied monthly with the ward items (supplies, injections, infusions) and
  recording its weekly use; expired batches written off at the monthly check.
- The counter's queue: the newest prescriptions are left waiting (one in ten part-dispensed).

Document numbers come from the services' series (GRN-, TRF-, DSP- per year) in date order; each
StockBalance is the sum of its store's and batch's movements, as pharmacy.ledger.move keeps it.
"""

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

# Made by other makers too (the brands an essential-medicines hospital buys besides the generic).
BRANDS = ["Cosmos", "Dawa", "Universal", "Regal", "Elys", "Beta"]

# generic name, form, strength, dispensing unit, pack size, reorder level, KES a unit,
# allergen classes, adult maximum mg a day (None: not checked)
EXTRA_ITEMS = [
    ("Cetirizine", "tablet", "10 mg", "tablet", 100, 300, "2.00", (), "10"),
    ("Chlorphenamine", "tablet", "4 mg", "tablet", 100, 200, "1.00", (), "24"),
    ("Glibenclamide", "tablet", "5 mg", "tablet", 100, 300, "2.00", (), "15"),
    ("Nitrofurantoin", "tablet", "100 mg", "tablet", 100, 200, "5.00", (), "400"),
    ("Losartan", "tablet", "50 mg", "tablet", 30, 300, "6.00", (), "100"),
    ("Nifedipine", "tablet", "20 mg", "tablet", 100, 300, "3.00", (), "120"),
    ("Atenolol", "tablet", "50 mg", "tablet", 100, 200, "2.00", (), "100"),
    ("Propranolol", "tablet", "40 mg", "tablet", 100, 100, "2.00", (), "320"),
    ("Methyldopa", "tablet", "250 mg", "tablet", 100, 200, "3.00", (), "3000"),
    ("Furosemide", "tablet", "40 mg", "tablet", 100, 200, "2.00", (), None),
    ("Spironolactone", "tablet", "25 mg", "tablet", 100, 100, "5.00", (), "400"),
    ("Aspirin", "tablet", "75 mg", "tablet", 100, 300, "1.00", ("aspirin",), "300"),
    ("Clopidogrel", "tablet", "75 mg", "tablet", 30, 60, "15.00", (), "75"),
    ("Simvastatin", "tablet", "20 mg", "tablet", 30, 100, "5.00", (), "80"),
    ("Levothyroxine", "tablet", "50 mcg", "tablet", 100, 60, "3.00", (), None),
    ("Carbamazepine", "tablet", "200 mg", "tablet", 100, 100, "4.00", (), "1600"),
    ("Phenobarbital", "tablet", "30 mg", "tablet", 100, 100, "2.00", (), None),
    ("Amitriptyline", "tablet", "25 mg", "tablet", 100, 100, "2.00", (), "150"),
    ("Fluoxetine", "capsule", "20 mg", "capsule", 30, 60, "5.00", (), "60"),
    ("Haloperidol", "tablet", "5 mg", "tablet", 100, 50, "3.00", (), "20"),
    ("Diazepam", "tablet", "5 mg", "tablet", 100, 50, "2.00", (), "30"),
    ("Tramadol", "capsule", "50 mg", "capsule", 100, 100, "6.00", ("opioids",), "400"),
    ("Erythromycin", "tablet", "250 mg", "tablet", 100, 100, "5.00", (), "4000"),
    ("Azithromycin", "tablet", "500 mg", "tablet", 3, 60, "40.00", (), "500"),
    ("Cefuroxime", "tablet", "500 mg", "tablet", 10, 60, "35.00", ("cephalosporins",), "1000"),
    ("Flucloxacillin", "capsule", "500 mg", "capsule", 100, 100, "8.00", ("penicillins",), "4000"),
    ("Phenoxymethylpenicillin", "tablet", "250 mg", "tablet", 100, 100, "3.00", ("penicillins",), None),
    ("Fluconazole", "capsule", "150 mg", "capsule", 1, 50, "30.00", (), "800"),
    ("Isoniazid", "tablet", "300 mg", "tablet", 100, 100, "2.00", (), "300"),
    ("Hyoscine butylbromide", "tablet", "10 mg", "tablet", 100, 100, "3.00", (), "80"),
    ("Metoclopramide", "tablet", "10 mg", "tablet", 100, 100, "2.00", (), "30"),
    ("Promethazine", "tablet", "25 mg", "tablet", 100, 100, "2.00", (), "100"),
    ("Loperamide", "capsule", "2 mg", "capsule", 100, 100, "2.00", (), "16"),
    ("Bisacodyl", "tablet", "5 mg", "tablet", 100, 100, "1.00", (), "20"),
    ("Magnesium trisilicate compound", "tablet", "", "tablet", 100, 300, "1.00", (), None),
    ("Folic acid", "tablet", "5 mg", "tablet", 100, 300, "1.00", (), None),
    ("Vitamin B complex", "tablet", "", "tablet", 100, 300, "1.00", (), None),
    ("Calcium lactate", "tablet", "300 mg", "tablet", 100, 100, "1.00", (), None),
    ("Misoprostol", "tablet", "200 mcg", "tablet", 28, 60, "20.00", (), None),
    ("Ibuprofen", "suspension", "100 mg/5 ml", "bottle of 100 ml", 1, 40, "120.00", ("nsaids",), None),
    ("Cotrimoxazole", "suspension", "240 mg/5 ml", "bottle of 100 ml", 1, 40, "90.00", ("sulfonamides",), None),
    ("Metronidazole", "suspension", "200 mg/5 ml", "bottle of 100 ml", 1, 30, "100.00", (), None),
    ("Dextromethorphan", "syrup", "15 mg/5 ml", "bottle of 100 ml", 1, 40, "150.00", (), None),
    ("Multivitamin", "syrup", "", "bottle of 100 ml", 1, 30, "120.00", (), None),
    ("Clotrimazole", "cream", "1%", "tube of 20 g", 1, 30, "80.00", (), None),
    ("Clotrimazole", "pessary", "500 mg", "pessary", 1, 30, "50.00", (), None),
    ("Hydrocortisone", "cream", "1%", "tube of 15 g", 1, 20, "100.00", (), None),
    ("Betamethasone", "cream", "0.1%", "tube of 15 g", 1, 20, "90.00", (), None),
    ("Tetracycline", "ointment", "1% eye", "tube of 5 g", 1, 30, "40.00", (), None),
    ("Chloramphenicol", "drops", "0.5% eye", "bottle of 10 ml", 1, 30, "60.00", (), None),
    ("Diclofenac", "injection", "75 mg/3 ml", "ampoule", 10, 100, "30.00", ("nsaids",), "150"),
    ("Metoclopramide", "injection", "10 mg/2 ml", "ampoule", 10, 50, "20.00", (), None),
    ("Hydrocortisone", "injection", "100 mg", "vial", 1, 30, "150.00", (), None),
    ("Adrenaline", "injection", "1 mg/ml", "ampoule", 10, 20, "60.00", (), None),
    ("Furosemide", "injection", "20 mg/2 ml", "ampoule", 10, 40, "25.00", (), None),
    ("Ampicillin", "injection", "500 mg", "vial", 10, 60, "40.00", ("penicillins",), None),
    ("Tramadol", "injection", "100 mg/2 ml", "ampoule", 10, 50, "40.00", ("opioids",), None),
    ("Lidocaine", "injection", "2% 20 ml", "vial", 1, 30, "120.00", (), None),
    ("Insulin, isophane (human)", "injection", "100 IU/ml", "vial of 10 ml", 1, 20, "650.00", (), None),
    ("Dextrose 50%", "injection", "50 ml", "vial", 1, 20, "120.00", (), None),
]  # fmt: skip
EXTRA_SUPPLIES = [
    ("Syringe with needle", "2 ml", "syringe", 100, 500, "8.00"),
    ("Syringe with needle", "10 ml", "syringe", 100, 300, "15.00"),
    ("Hypodermic needle", "21G", "needle", 100, 300, "4.00"),
    ("IV cannula", "22G", "cannula", 50, 100, "60.00"),
    ("IV cannula", "18G", "cannula", 50, 60, "60.00"),
    ("Surgical gloves, sterile", "size 7.5", "pair", 50, 200, "40.00"),
    ("Face mask, surgical", "", "mask", 50, 500, "10.00"),
    ("Adhesive tape, zinc oxide", "2.5 cm × 5 m", "roll", 12, 30, "90.00"),
    ("Crepe bandage", "10 cm", "bandage", 12, 40, "70.00"),
    ("Urine bag", "2 l", "bag", 10, 40, "80.00"),
    ("Suture, chromic catgut", "2/0", "suture", 12, 40, "250.00"),
]  # fmt: skip


def _line(generic, strength, form, dose, frequency, duration, quantity=None, route="oral"):
    return (generic, strength, form, dose, frequency, duration, quantity, route)


PARACETAMOL = _line("Paracetamol", "500 mg", "tablet", "2 tablets", "three times a day", "3 days")
# Per diagnosis (ICD-10 code, as large_hospital.DIAGNOSES): groups of alternatives; the first group
# is the main treatment (always one of it), up to two of the others besides.
REGIMENS = {
    "B54": [
        [_line("Artemether-lumefantrine", "20/120 mg", "tablet", "4 tablets", "twice a day", "3 days")],
        [PARACETAMOL],
    ],
    "J06.9": [
        [
            _line("Amoxicillin", "500 mg", "capsule", "1 capsule", "three times a day", "5 days"),
            _line("Cetirizine", "10 mg", "tablet", "1 tablet", "once a day", "5 days"),
        ],
        [PARACETAMOL],
        [_line("Dextromethorphan", "15 mg/5 ml", "syrup", "10 ml", "three times a day", "5 days", 1)],
    ],
    "I10": [
        [
            _line("Amlodipine", "5 mg", "tablet", "1 tablet", "once a day", "30 days"),
            _line("Nifedipine", "20 mg", "tablet", "1 tablet", "twice a day", "30 days"),
            _line("Losartan", "50 mg", "tablet", "1 tablet", "once a day", "30 days"),
        ],
        [_line("Enalapril", "10 mg", "tablet", "1 tablet", "once a day", "30 days")],
        [_line("Hydrochlorothiazide", "25 mg", "tablet", "1 tablet", "once a day", "30 days")],
    ],
    "E11.9": [
        [_line("Metformin", "500 mg", "tablet", "1 tablet", "twice a day", "30 days")],
        [_line("Glibenclamide", "5 mg", "tablet", "1 tablet", "once a day", "30 days")],
        [_line("Atorvastatin", "20 mg", "tablet", "1 tablet", "at night", "30 days")],
    ],
    "A09": [
        [_line("Oral rehydration salts", "20.5 g/l", "sachet", "1 sachet", "three times a day", "3 days")],
        [_line("Zinc sulphate", "20 mg", "tablet", "1 tablet", "once a day", "10 days")],
        [_line("Metronidazole", "400 mg", "tablet", "1 tablet", "three times a day", "5 days")],
    ],
    "N39.0": [
        [
            _line("Nitrofurantoin", "100 mg", "tablet", "1 tablet", "twice a day", "5 days"),
            _line("Ciprofloxacin", "500 mg", "tablet", "1 tablet", "twice a day", "5 days"),
        ],
        [PARACETAMOL],
    ],
    "J18.9": [
        [
            _line("Amoxicillin + clavulanic acid", "625 mg", "tablet", "1 tablet", "twice a day", "7 days"),
            _line("Amoxicillin", "500 mg", "capsule", "2 capsules", "three times a day", "5 days"),
        ],
        [PARACETAMOL],
    ],
    "J45.909": [
        [_line("Salbutamol", "100 mcg/dose", "inhaler", "2 puffs", "four times a day", "30 days", 1, "inhaled")],
        [_line("Prednisolone", "5 mg", "tablet", "8 tablets", "once a day", "5 days")],
    ],
    "M54.5": [
        [
            _line("Ibuprofen", "400 mg", "tablet", "1 tablet", "three times a day", "5 days"),
            _line("Diclofenac", "50 mg", "tablet", "1 tablet", "twice a day", "5 days"),
        ],
        [PARACETAMOL],
    ],
    "D64.9": [
        [_line("Ferrous sulphate + folic acid", "200 mg/0.4 mg", "tablet", "1 tablet", "once a day", "30 days")],
        [_line("Albendazole", "400 mg", "tablet", "1 tablet", "once a day", "1 day")],
    ],
}  # fmt: skip
# Drugs the hospital does not stock: the patient buys them outside (never in the queue).
OUTSIDE = [
    ("Rosuvastatin", "10 mg", "1 tablet", "once a day", "30 days"),
    ("Sitagliptin", "100 mg", "1 tablet", "once a day", "30 days"),
    ("Pregabalin", "75 mg", "1 capsule", "twice a day", "30 days"),
]
# Forms and categories the wards use from their own stores (not dispensed at the counter).
WARD_FORMS = {"injection", "infusion"}
# Days of use each store is topped up to: the main store monthly, the counter weekly, a ward
# monthly.
MAIN_DAYS, COUNTER_DAYS, WARD_DAYS = 70, 14, 30
# Months to expiry of a delivered batch (one in ten short-dated).
EXPIRY_MONTHS = [6, 12, 18, 18, 24, 24, 24, 30, 36, 36]


class Pharmacy:
    """The pharmacy part of the generator (large_hospital.Generator `g`: its random stream, clock,
    staff, number series, charges)."""

    def __init__(self, g, bulk) -> None:
        self.g, self.bulk = g, bulk
        self.rng = g.rng
        self.quantities: dict[tuple, int | None] = {}

    # --- formulary --------------------------------------------------------------------------

    def make_formulary(self) -> None:
        from accounts.models import User
        from pharmacy.models import FormularyItem
        from pharmacy.services.formulary import formulary_item_save

        admin = User.objects.get(username="admin")
        have = {
            (i.generic_name.lower(), i.brand.lower(), i.form, i.strength.lower())
            for i in FormularyItem.objects.all()
        }

        def add(**fields) -> None:
            key = (
                fields["generic_name"].lower(),
                fields["brand"].lower(),
                fields["form"],
                fields["strength"].lower(),
            )
            if key not in have:
                formulary_item_save(actor=admin, active=True, **fields)
                have.add(key)

        for generic, form, strength, unit, pack, reorder, price, classes, most in EXTRA_ITEMS:
            add(
                generic_name=generic,
                brand="",
                form=form,
                strength=strength,
                dispensing_unit=unit,
                pack_size=pack,
                category="drug",
                reorder_level=reorder,
                price=Decimal(price),
                tax_rate=Decimal("0"),
                allergen_classes=list(classes),
                max_daily_dose_mg=Decimal(most) if most else None,
            )
        for name, strength, unit, pack, reorder, price in EXTRA_SUPPLIES:
            add(
                generic_name=name,
                brand="",
                form="supply",
                strength=strength,
                dispensing_unit=unit,
                pack_size=pack,
                category="supply",
                reorder_level=reorder,
                price=Decimal(price),
                tax_rate=Decimal("16"),
            )
        generics = FormularyItem.objects.filter(
            active=True, category="drug", form__in=["tablet", "capsule"], brand=""
        ).select_related("charge_item")
        for item in list(generics.order_by("pk")):
            for brand in self.rng.sample(BRANDS, self.rng.choice([1, 2, 2, 3])):
                price = item.charge_item.price * Decimal(f"{self.rng.uniform(1.2, 2.5):.2f}")
                add(
                    generic_name=item.generic_name,
                    brand=brand,
                    form=item.form,
                    strength=item.strength,
                    dispensing_unit=item.dispensing_unit,
                    pack_size=item.pack_size,
                    category=item.category,
                    reorder_level=max(item.reorder_level // 4, 10),
                    price=price.quantize(Decimal("1")),
                    tax_rate=item.charge_item.tax_rate,
                    allergen_classes=list(item.allergen_classes),
                    max_daily_dose_mg=item.max_daily_dose_mg,
                )
        self.items = list(
            FormularyItem.objects.filter(active=True).select_related("charge_item").order_by("pk")
        )
        self.makes = defaultdict(list)  # (generic, strength, form) -> the items, generic first
        for item in sorted(self.items, key=lambda i: (i.brand != "", i.pk)):
            self.makes[(item.generic_name.lower(), item.strength, item.form)].append(item)
        self.g.log(f"  pharmacy.FormularyItem: {len(self.items):,}")

    # --- prescriptions ----------------------------------------------------------------------

    def _quantity(self, line, form: str) -> int | None:
        from clinical import dosing

        generic, strength, _form, dose, frequency, duration, typed, _route = line
        if typed is not None:
            return typed
        key = (dose, frequency, duration, form)
        if key not in self.quantities:
            reading = dosing.quantity_to_dispense(
                dose=dose, frequency=frequency, duration=duration, form=form
            )
            self.quantities[key] = reading.quantity
        return self.quantities[key]

    def prescribe(self, encounter, Prescription) -> list:
        """The lines a doctor writes for the consultation's diagnosis (not yet saved)."""
        groups = REGIMENS[encounter.icd10_code]
        more = self.rng.choice([0, 0, 1, 1, 2])
        chosen = [groups[0]] + self.rng.sample(groups[1:], min(more, len(groups) - 1))
        rows = []
        for group in chosen:
            line = self.rng.choice(group)
            generic, strength, form, dose, frequency, duration, _typed, route = line
            makes = self.makes[(generic.lower(), strength, form)]
            item = (
                makes[0] if len(makes) == 1 or self.rng.random() < 0.5 else self.rng.choice(makes)
            )
            quantity = self._quantity(line, item.form)
            rows.append(
                Prescription(
                    encounter=encounter,
                    patient_id=encounter.patient_id,
                    doctor_id=encounter.doctor_id,
                    drug=f"{item.generic_name} ({item.brand})" if item.brand else item.generic_name,
                    strength=item.strength,
                    dose=dose,
                    route=route,
                    frequency=frequency,
                    duration=duration,
                    formulary_item=item,
                    quantity=quantity,
                    dispensed_quantity=quantity,
                    created_at=encounter.completed_at,
                )
            )
        if self.rng.random() < 0.03:
            drug, strength, dose, frequency, duration = self.rng.choice(OUTSIDE)
            rows.append(
                Prescription(
                    encounter=encounter,
                    patient_id=encounter.patient_id,
                    doctor_id=encounter.doctor_id,
                    drug=drug,
                    strength=strength,
                    dose=dose,
                    frequency=frequency,
                    duration=duration,
                    outside=True,
                    created_at=encounter.completed_at,
                )
            )
        return rows

    def leave_waiting(self, prescriptions: list, count: int) -> None:
        """The newest `count` prescriptions from the formulary are still at the counter: none
        given yet, or (one in ten) part of it."""
        from_formulary = [p for p in prescriptions if p.formulary_item is not None]
        from_formulary.sort(key=lambda p: p.created_at)
        for rx in from_formulary[-count:] if count else []:
            partly = rx.quantity >= 4 and self.rng.random() < 0.1
            rx.dispensed_quantity = rx.quantity // 2 if partly else 0
        self.prescriptions = from_formulary

    # --- stock and dispensing ---------------------------------------------------------------

    def make_stock(self) -> None:
        from accounts.models import User
        from pharmacy import services
        from pharmacy.models import Store, StoreKind, Supplier
        from pharmacy.services.dispensing import pharmacy_stores
        from wards.models import Ward

        admin = User.objects.get(username="admin")
        for ward in Ward.objects.filter(active=True, store__isnull=True).order_by("name"):
            services.store_save(
                actor=admin, name=f"{ward.name} store", kind=StoreKind.WARD, ward=ward
            )
        self.main = Store.objects.get(kind=StoreKind.MAIN, name="Main store")
        self.counter = pharmacy_stores()[0]
        beds = defaultdict(int)
        for bed in self.g.beds:
            beds[bed.ward_id] += 1
        self.wards = [
            (store, beds[store.ward_id] / max(1, len(self.g.beds)))
            for store in Store.objects.filter(kind=StoreKind.WARD, active=True).order_by("pk")
        ]
        suppliers = list(Supplier.objects.filter(active=True).order_by("pk"))
        self.pharmacists = [u for u in self.g.staff if u.role == "pharmacist"]
        self.supplier_of = {
            item.pk: suppliers[-1]
            if item.brand and len(suppliers) > 2
            else suppliers[0]
            if self.rng.random() < 0.7
            else suppliers[min(1, len(suppliers) - 1)]
            for item in self.items
        }
        self.emergency_supplier = suppliers[-1]
        self._plan_rates()
        # What each store holds: its batches of an item with units on the shelf, the first to
        # expire first ((store, item) -> [[batch, units], ...]), and every store's and batch's
        # balance, none left included ((store, id(batch)) -> [store, batch, units]).
        self.lots: dict[tuple[int, int], list[list]] = defaultdict(list)
        self.balances: dict[tuple[int, int], list] = {}
        self.batches, self.receipts, self.transfers, self.lines = [], [], [], []
        self.dispenses, self.movements, self.charged = [], [], []
        self.batch_count = 0
        for at, _order, action in sorted(self._events(), key=lambda e: (e[0], e[1])):
            action(at)
        self._write()

    def _plan_rates(self) -> None:
        """Units a day each item goes out at: what its prescriptions took over the history (the
        counter's items); a tenth of its reorder level for a ward item; a ninetieth for an item
        nobody prescribed (a slow mover)."""
        taken, self.course = defaultdict(int), defaultdict(int)
        for rx in self.prescriptions:
            taken[rx.formulary_item.pk] += rx.quantity
            self.course[rx.formulary_item.pk] = max(self.course[rx.formulary_item.pk], rx.quantity)
        days = max(1, self.g.days)
        self.ward_items = [i for i in self.items if i.category == "supply" or i.form in WARD_FORMS]
        ward_pks = {i.pk for i in self.ward_items}
        self.counter_items = [i for i in self.items if i.pk not in ward_pks]
        self.at_counter = {i.pk for i in self.counter_items}
        self.rate = {}
        for item in self.items:
            if item.pk in ward_pks:
                self.rate[item.pk] = max(item.reorder_level, 10) / 10
            elif taken[item.pk]:
                self.rate[item.pk] = taken[item.pk] / days
            else:
                self.rate[item.pk] = max(item.reorder_level, 10) / 90
        waiting = defaultdict(int)
        for rx in self.prescriptions:
            waiting[rx.formulary_item.pk] += rx.quantity - rx.dispensed_quantity
        self.waiting_units = waiting

    def _events(self):
        """(when, order on the same moment, action) of the whole history, then this morning's
        top-up of the counter (enough for what is waiting and two weeks more)."""
        g = self.g
        opening = g.first_day - timedelta(days=3)
        yield g.at(opening, 10), 1, self._deliveries
        yield g.at(opening, 11), 2, self._ward_supplies
        yield g.at(opening + timedelta(days=1), 12), 3, self._counter_top_up
        day = date(opening.year, opening.month, 1)
        while True:
            day = (day + timedelta(days=32)).replace(day=1)
            first = day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
            if first >= g.today:
                break
            yield g.at(first, 9), 0, self._expiry_check
            yield g.at(first, 10), 1, self._deliveries
            yield g.at(first, 11), 2, self._ward_supplies
        for n in range(g.days + 1):
            day = g.first_day + timedelta(days=n)
            if day >= g.today:
                break
            if day.weekday() == 0:
                yield g.at(day, 7, 30), 3, self._counter_top_up
            if day.weekday() == 4:
                yield g.at(day, 16), 4, self._ward_use
        for rx in self.prescriptions:
            if rx.dispensed_quantity:
                at = rx.created_at + timedelta(minutes=self.rng.randrange(10, 120))
                yield min(at, g.now - timedelta(minutes=40)), 5, self._dispenser(rx)
        yield g.now - timedelta(minutes=30), 6, self._morning_top_up

    # --- the ledger in memory ---------------------------------------------------------------

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.g.tz).date()

    def _usable(self, store, item, day: date) -> int:
        return sum(n for batch, n in self.lots[(store.pk, item.pk)] if batch.expiry_date > day)

    def _move(self, store, batch, kind: str, quantity: int, at, who, **document) -> None:
        from pharmacy.models import StockMovement

        balance = self.balances.setdefault((store.pk, id(batch)), [store.pk, batch, 0])
        balance[2] += quantity
        assert balance[2] >= 0, (store, batch.batch_number, balance[2])
        lots = self.lots[(store.pk, batch.item_id)]
        lot = next((lot for lot in lots if lot[0] is batch), None)
        if lot is None:
            lot = [batch, 0]
            lots.append(lot)
            lots.sort(key=lambda lot: (lot[0].expiry_date, lot[0].batch_number))
        lot[1] += quantity
        if lot[1] == 0:
            lots.remove(lot)
        self.movements.append(
            StockMovement(
                store=store,
                batch=batch,
                item_id=batch.item_id,
                kind=kind,
                quantity=quantity,
                reason=document.pop("reason", ""),
                moved_by=who,
                moved_at=at,
                **document,
            )
        )

    def _fefo(self, store, item, quantity: int, day: date) -> list[tuple]:
        """Up to `quantity` units from the store's unexpired batches, the first to expire first."""
        takes, wanted = [], quantity
        for batch, held in self.lots[(store.pk, item.pk)]:
            if wanted <= 0:
                break
            if batch.expiry_date > day and held > 0:
                take = min(wanted, held)
                takes.append((batch, take))
                wanted -= take
        return takes

    def _who(self, staff: list):
        return self.rng.choice(staff)

    # --- deliveries, transfers, use, expiry -------------------------------------------------

    def _receive(self, supplier, wanted: list[tuple], at: datetime, note: str = "") -> None:
        """A supplier's delivery into the main store: (item, units) per line, each a new batch."""
        from pharmacy.models import Batch, MovementKind, PurchaseReceipt

        year = self._day(at).year
        short = supplier.name.split(" ")[0].upper()[:6]
        receipt = PurchaseReceipt(
            number=f"GRN-{year}-{self.g.number(f'grn-{year}'):06d}",
            supplier=supplier,
            invoice_number=f"{short}/{at:%y%m%d}/{len(self.receipts) + 1:05d}",
            store=self.main,
            received_by=self._who(self.pharmacists),
            received_at=at,
            note=note,
        )
        self.receipts.append(receipt)
        for item, units in wanted:
            self.batch_count += 1
            price = item.charge_item.price or Decimal("10")
            batch = Batch(
                item=item,
                batch_number=f"{item.generic_name[:3].upper()}{at:%y%m}{self.batch_count:05d}",
                expiry_date=self._day(at) + timedelta(days=30 * self.rng.choice(EXPIRY_MONTHS)),
                unit_cost=(price * Decimal("0.6")).quantize(Decimal("0.01")),
                created_at=at,
            )
            self.batches.append(batch)
            self._move(
                self.main,
                batch,
                MovementKind.RECEIPT,
                units,
                at,
                receipt.received_by,
                receipt=receipt,
            )

    def _packs(self, item, units: float) -> int:
        return max(1, math.ceil(units / item.pack_size)) * item.pack_size

    def _deliveries(self, at: datetime) -> None:
        """The month's deliveries, one per supplier: each item short of ten weeks' use and two of
        its longest courses."""
        day = self._day(at)
        orders = defaultdict(list)
        for item in self.items:
            held = self._usable(self.main, item, day)
            if item.pk in self.at_counter:
                held += self._usable(self.counter, item, day)
            short = MAIN_DAYS * self.rate[item.pk] + 2 * self.course[item.pk] - held
            if short > 0:
                orders[self.supplier_of[item.pk].pk].append((item, self._packs(item, short)))
        suppliers = {s.pk: s for s in self.supplier_of.values()}
        for pk, wanted in sorted(orders.items()):
            self._receive(suppliers[pk], wanted, at)

    def _main_holds(self, item, units: int, at: datetime) -> None:
        """When the main store holds fewer than `units` of the item: an urgent order from a local
        distributor, delivered within the hour."""
        if self._usable(self.main, item, self._day(at)) < units:
            wanted = self._packs(item, units + MAIN_DAYS / 2 * self.rate[item.pk])
            self._receive(
                self.emergency_supplier,
                [(item, wanted)],
                at - timedelta(minutes=50),
                "Urgent order",
            )

    def _transfer(
        self, to_store, wanted: list[tuple], at: datetime, receiver, note: str, minutes: int = 15
    ) -> None:
        """Send (item, units) from the main store (first expiry first out, what it holds) to
        `to_store`, received there `minutes` later."""
        from pharmacy.models import MovementKind, Transfer, TransferLine, TransferStatus

        day = self._day(at)
        takes = [take for item, units in wanted for take in self._fefo(self.main, item, units, day)]
        if not takes:
            return
        year = day.year
        received_at = at + timedelta(minutes=minutes)
        sender = self._who(self.pharmacists)
        transfer = Transfer(
            number=f"TRF-{year}-{self.g.number(f'trf-{year}'):06d}",
            from_store=self.main,
            to_store=to_store,
            status=TransferStatus.RECEIVED,
            sent_by=sender,
            sent_at=at,
            received_by=receiver,
            received_at=received_at,
            note=note,
        )
        self.transfers.append(transfer)
        for batch, units in takes:
            self.lines.append(TransferLine(transfer=transfer, batch=batch, quantity=units))
            self._move(
                self.main, batch, MovementKind.TRANSFER_OUT, -units, at, sender, transfer=transfer
            )
            self._move(
                to_store,
                batch,
                MovementKind.TRANSFER_IN,
                units,
                received_at,
                receiver,
                transfer=transfer,
            )

    def _counter_top_up(self, at: datetime, extra: dict | None = None) -> None:
        """The pharmacy's weekly order from the main store: each counter item up to two weeks'
        use and its longest course (and `extra` units of an item besides)."""
        day = self._day(at)
        wanted = []
        for item in self.counter_items:
            target = COUNTER_DAYS * self.rate[item.pk] + self.course[item.pk]
            target += (extra or {}).get(item.pk, 0)
            short = target - self._usable(self.counter, item, day)
            if short >= 1:
                wanted.append((item, math.ceil(short)))
                if extra:  # this morning's order: whatever the main store lacks comes urgently
                    self._main_holds(item, math.ceil(short), at)
        receiver = self._who(self.pharmacists)
        self._transfer(self.counter, wanted, at, receiver, "Weekly order of the pharmacy")

    def _morning_top_up(self, at: datetime) -> None:
        """Today's order: enough on the counter's shelves for the prescriptions waiting."""
        self._counter_top_up(at, extra=self.waiting_units)

    def _ward_supplies(self, at: datetime) -> None:
        day = self._day(at)
        for store, share in self.wards:
            wanted = []
            for item in self.ward_items:
                short = WARD_DAYS * self.rate[item.pk] * share - self._usable(store, item, day)
                if short >= 1:
                    wanted.append((item, math.ceil(short)))
            self._transfer(store, wanted, at, self._who(self.g.nurses), "Monthly ward supplies")

    def _ward_use(self, at: datetime) -> None:
        from pharmacy.models import MovementKind

        day = self._day(at)
        for store, share in self.wards:
            nurse = self._who(self.g.nurses)
            for item in self.ward_items:
                units = round(7 * self.rate[item.pk] * share * self.rng.uniform(0.6, 1.0))
                for batch, taken in self._fefo(store, item, units, day):
                    self._move(
                        store,
                        batch,
                        MovementKind.WARD_USE,
                        -taken,
                        at,
                        nurse,
                        reason="The week's use",
                    )

    def _expiry_check(self, at: datetime) -> None:
        """The monthly check: what expired on a shelf is written off for destruction."""
        from pharmacy.models import MovementKind

        day = self._day(at)
        stores = {self.main.pk: self.main, self.counter.pk: self.counter}
        stores |= {store.pk: store for store, _ in self.wards}
        who = self._who(self.pharmacists)
        for (store_pk, _item), lots in list(self.lots.items()):
            for batch, held in list(lots):
                if held > 0 and batch.expiry_date <= day:
                    self._move(
                        stores[store_pk],
                        batch,
                        MovementKind.WRITE_OFF,
                        -held,
                        at,
                        who,
                        reason="Expired",
                    )

    # --- dispensing -------------------------------------------------------------------------

    def _dispenser(self, rx):
        return lambda at: self._dispense(rx, at)

    def _dispense(self, rx, at: datetime) -> None:
        """Give the prescription's dispensed quantity at the counter (topped up from the main
        store first when short, and the main store from a local distributor when it is too),
        and post its charge as pharmacy.services.dispense does."""
        from billing.models import Charge
        from pharmacy.models import Dispense, MovementKind

        item, quantity, day = rx.formulary_item, rx.dispensed_quantity, self._day(at)
        short = quantity - self._usable(self.counter, item, day)
        if short > 0:
            wanted = short + math.ceil(7 * self.rate[item.pk])
            # At the dispense's own moment: a movement out of a store is never dated before
            # what this history has already taken from it.
            self._main_holds(item, wanted, at)
            receiver = self._who(self.pharmacists)
            self._transfer(
                self.counter, [(item, wanted)], at, receiver, "Top-up for the counter", minutes=0
            )
        year = day.year
        who = self._who(self.pharmacists)
        admission = self._admission(rx.patient_id, at)
        price = item.charge_item.price
        number = f"DSP-{year}-{self.g.number(f'dsp-{year}'):06d}"
        charge = self.g.charge(
            Charge,
            item=item.charge_item,
            quantity=Decimal(quantity),
            unit_price=price,
            patient_id=rx.patient_id,
            admission_id=admission,
            description=f"{item.name} × {quantity} ({number})",
            posted_at=at,
            posted_by_id=who.pk,
        )
        record = Dispense(
            number=number,
            prescription=rx,
            patient_id=rx.patient_id,
            admission_id=admission,
            item=item,
            store=self.counter,
            quantity=quantity,
            unit_price=price,
            charge_id=charge.pk,
            dispensed_by=who,
            dispensed_at=at,
        )
        self.dispenses.append(record)
        self.charged.append(charge)
        for batch, taken in self._fefo(self.counter, item, quantity, day):
            self._move(self.counter, batch, MovementKind.DISPENSE, -taken, at, who, dispense=record)

    def _admission(self, patient_id, at: datetime) -> int | None:
        """The patient's stay open at `at` (its charge goes there), or None."""
        if not hasattr(self, "stays"):
            self.stays = defaultdict(list)
            for a in self.g.admissions:
                self.stays[a.patient_id].append((a.admitted_at, a.discharged_at, a.pk))
        for start, end, pk in self.stays.get(patient_id, ()):
            if start <= at and (end is None or at < end):
                return pk
        return None

    # --- writing ----------------------------------------------------------------------------

    def _write(self) -> None:
        from pharmacy.models import (
            Batch,
            Dispense,
            PurchaseReceipt,
            StockBalance,
            StockMovement,
            Transfer,
            TransferLine,
        )
        from pharmacy.services import stock_alerts_refresh

        log, _bulk = self.g.log, self.bulk
        _bulk(Batch, self.batches, log)
        _bulk(PurchaseReceipt, self.receipts, log)
        _bulk(Transfer, self.transfers, log)
        _bulk(TransferLine, self.lines, log)
        _bulk(Dispense, self.dispenses, log)
        for record, charge in zip(self.dispenses, self.charged, strict=True):
            charge.source = f"pharmacy.Dispense:{record.pk}"
        self.g.charges += self.charged
        self.movements.sort(key=lambda m: m.moved_at)
        _bulk(StockMovement, self.movements, log)
        _bulk(
            StockBalance,
            [
                StockBalance(
                    store_id=store_pk,
                    batch=batch,
                    item_id=batch.item_id,
                    expiry_date=batch.expiry_date,
                    quantity=held,
                )
                for store_pk, batch, held in self.balances.values()
            ],
            log,
        )
        stock_alerts_refresh()
