"""Demo records of the pharmacy: the formulary part. About forty items from the WHO and Kenyan
essential medicines lists and the supplies a ward uses, at prices a Kenyan mission hospital
charges (KES per dispensing unit). Medicines are VAT-exempt; the supplies the VAT Act does not
exempt carry 16 % (docs/DECISIONS.md, "Pharmacy: formulary").

The stock and dispensing parts read DEMO_FORMULARY (each item's fixed charge code) to stock and
prescribe the same items: `demo_item(code)` finds one.
"""

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import User
from pharmacy.models import FormularyItem
from pharmacy.services.formulary import formulary_item_save


@dataclass(frozen=True)
class DemoItem:
    code: str
    generic_name: str
    form: str
    strength: str
    dispensing_unit: str
    pack_size: int
    reorder_level: int
    price: str  # KES per dispensing unit
    category: str = "drug"
    tax_rate: str = "0"
    brand: str = ""


def _supply(code, name, strength, unit, pack, reorder, price) -> DemoItem:
    return DemoItem(code, name, "supply", strength, unit, pack, reorder, price, "supply", "16")


DEMO_FORMULARY: list[DemoItem] = [
    # Pain, fever, inflammation
    DemoItem("PH-000001", "Paracetamol", "tablet", "500 mg", "tablet", 1000, 2000, "2.00"),
    DemoItem(
        "PH-000002", "Paracetamol", "syrup", "120 mg/5 ml", "bottle of 100 ml", 1, 40, "80.00"
    ),
    DemoItem("PH-000003", "Ibuprofen", "tablet", "400 mg", "tablet", 100, 500, "3.00"),
    DemoItem("PH-000004", "Diclofenac", "tablet", "50 mg", "tablet", 100, 300, "3.00"),
    # Antibiotics
    DemoItem("PH-000005", "Amoxicillin", "capsule", "500 mg", "capsule", 100, 600, "5.00"),
    DemoItem(
        "PH-000006", "Amoxicillin", "suspension", "250 mg/5 ml", "bottle of 100 ml", 1, 30, "120.00"
    ),
    DemoItem(
        "PH-000007", "Amoxicillin + clavulanic acid", "tablet", "625 mg", "tablet", 14, 140, "35.00"
    ),
    DemoItem("PH-000008", "Ciprofloxacin", "tablet", "500 mg", "tablet", 100, 300, "6.00"),
    DemoItem("PH-000009", "Metronidazole", "tablet", "400 mg", "tablet", 100, 500, "2.00"),
    DemoItem("PH-000010", "Cotrimoxazole", "tablet", "960 mg", "tablet", 100, 500, "3.00"),
    DemoItem("PH-000011", "Doxycycline", "capsule", "100 mg", "capsule", 100, 200, "4.00"),
    DemoItem("PH-000012", "Ceftriaxone", "injection", "1 g", "vial", 10, 100, "150.00"),
    DemoItem("PH-000013", "Gentamicin", "injection", "80 mg/2 ml", "ampoule", 10, 100, "30.00"),
    DemoItem("PH-000014", "Benzylpenicillin", "injection", "5 MU", "vial", 10, 50, "60.00"),
    # Malaria, worms
    DemoItem(
        "PH-000015",
        "Artemether-lumefantrine",
        "tablet",
        "20/120 mg",
        "tablet",
        24,
        480,
        "10.00",
        brand="Coartem",
    ),
    DemoItem("PH-000016", "Artesunate", "injection", "60 mg", "vial", 1, 40, "450.00"),
    DemoItem("PH-000017", "Albendazole", "tablet", "400 mg", "tablet", 1, 100, "20.00"),
    # Diarrhoea, fluids
    DemoItem(
        "PH-000018", "Oral rehydration salts", "sachet", "20.5 g/l", "sachet", 50, 200, "20.00"
    ),
    DemoItem("PH-000019", "Zinc sulphate", "tablet", "20 mg", "tablet", 100, 300, "3.00"),
    DemoItem(
        "PH-000020",
        "Sodium chloride 0.9% (normal saline)",
        "infusion",
        "500 ml",
        "bottle",
        20,
        100,
        "120.00",
    ),
    DemoItem("PH-000021", "Ringer's lactate", "infusion", "500 ml", "bottle", 20, 100, "130.00"),
    DemoItem("PH-000022", "Dextrose 5%", "infusion", "500 ml", "bottle", 20, 60, "120.00"),
    # Chronic disease
    DemoItem("PH-000023", "Metformin", "tablet", "500 mg", "tablet", 100, 600, "2.00"),
    DemoItem("PH-000024", "Amlodipine", "tablet", "5 mg", "tablet", 100, 600, "3.00"),
    DemoItem("PH-000025", "Enalapril", "tablet", "10 mg", "tablet", 100, 300, "3.00"),
    DemoItem("PH-000026", "Hydrochlorothiazide", "tablet", "25 mg", "tablet", 100, 300, "2.00"),
    DemoItem("PH-000027", "Atorvastatin", "tablet", "20 mg", "tablet", 30, 180, "10.00"),
    DemoItem(
        "PH-000028",
        "Insulin, soluble (human)",
        "injection",
        "100 IU/ml",
        "vial of 10 ml",
        1,
        20,
        "650.00",
    ),
    DemoItem("PH-000029", "Omeprazole", "capsule", "20 mg", "capsule", 100, 300, "4.00"),
    DemoItem(
        "PH-000030",
        "Salbutamol",
        "inhaler",
        "100 mcg/dose",
        "inhaler of 200 doses",
        1,
        20,
        "450.00",
    ),
    DemoItem("PH-000031", "Prednisolone", "tablet", "5 mg", "tablet", 100, 300, "2.00"),
    # Mother and child
    DemoItem("PH-000032", "Oxytocin", "injection", "10 IU/ml", "ampoule", 10, 60, "80.00"),
    DemoItem(
        "PH-000033", "Magnesium sulphate", "injection", "50% 10 ml", "ampoule", 10, 40, "100.00"
    ),
    DemoItem(
        "PH-000034",
        "Ferrous sulphate + folic acid",
        "tablet",
        "200 mg/0.4 mg",
        "tablet",
        100,
        600,
        "1.00",
    ),
    DemoItem("PH-000035", "Tetanus toxoid", "injection", "0.5 ml", "dose", 10, 30, "100.00"),
    # Supplies (16 % VAT)
    _supply("PH-000036", "Examination gloves", "medium", "pair", 50, 500, "15.00"),
    _supply("PH-000037", "Syringe with needle", "5 ml", "syringe", 100, 500, "10.00"),
    _supply("PH-000038", "IV cannula", "20G", "cannula", 50, 100, "60.00"),
    _supply("PH-000039", "IV giving set", "", "set", 25, 100, "80.00"),
    _supply("PH-000040", "Gauze roll", "90 cm × 100 m", "roll", 1, 10, "1200.00"),
    _supply("PH-000041", "Cotton wool", "400 g", "roll", 1, 20, "350.00"),
    _supply("PH-000042", "Urinary catheter (Foley)", "Ch 16", "catheter", 10, 30, "120.00"),
    _supply("PH-000043", "Draw sheet (linen)", "", "sheet", 10, 20, "600.00"),
]


# Allergen classes and adult maximum daily doses (BNF, 2024-25 adult monographs) of the demo
# items, by charge code; the checks read them when a doctor prescribes (clinical.prescribing).
DEMO_SAFETY: dict[str, tuple[tuple[str, ...], str | None]] = {
    "PH-000001": ((), "4000"),  # paracetamol: 4 g a day
    "PH-000003": (("nsaids",), "2400"),  # ibuprofen: 2.4 g a day
    "PH-000004": (("nsaids",), "150"),  # diclofenac: 150 mg a day
    "PH-000005": (("penicillins",), "3000"),  # amoxicillin oral: 1 g three times a day
    "PH-000006": (("penicillins",), None),
    "PH-000007": (("penicillins",), None),  # co-amoxiclav: a combination strength
    "PH-000008": ((), "1500"),  # ciprofloxacin: 750 mg twice a day
    "PH-000009": ((), "2000"),  # metronidazole oral: 2 g (single dose)
    "PH-000010": (("sulfonamides",), "3840"),  # co-trimoxazole 960 mg: 2 tablets twice a day
    "PH-000011": ((), "200"),  # doxycycline: 200 mg a day
    "PH-000012": (("cephalosporins",), "4000"),  # ceftriaxone: 4 g a day
    "PH-000014": (("penicillins",), None),  # benzylpenicillin, dosed in units
    "PH-000023": ((), "3000"),  # metformin: 3 g a day
    "PH-000024": ((), "10"),  # amlodipine: 10 mg a day
    "PH-000025": ((), "40"),  # enalapril: 40 mg a day
    "PH-000029": ((), "120"),  # omeprazole: 120 mg a day (Zollinger-Ellison)
    "PH-000036": (("latex",), None),  # examination gloves (latex)
    "PH-000042": (("latex",), None),  # Foley catheter (latex)
}


def demo_item(code: str) -> FormularyItem | None:
    """The demo formulary's item with this charge code (the stock and dispensing demos' way in)."""
    return FormularyItem.objects.filter(charge_item__code=code).first()


def seed(log) -> None:
    """The demo formulary, once: an item already there (by its charge code) is left as it is."""
    actor = (
        User.objects.filter(username="pharmacist").first()
        or User.objects.filter(username="admin").first()
    )
    if actor is None:
        log("Pharmacy: no pharmacist or admin to add the formulary; skipped.")
        return
    have = set(
        FormularyItem.objects.filter(
            charge_item__code__in=[item.code for item in DEMO_FORMULARY]
        ).values_list("charge_item__code", flat=True)
    )
    added = 0
    for item in DEMO_FORMULARY:
        if item.code in have:
            _fill_safety(item.code)
            continue
        formulary_item_save(
            actor=actor,
            code=item.code,
            generic_name=item.generic_name,
            brand=item.brand,
            form=item.form,
            strength=item.strength,
            dispensing_unit=item.dispensing_unit,
            pack_size=item.pack_size,
            category=item.category,
            reorder_level=item.reorder_level,
            price=Decimal(item.price),
            tax_rate=Decimal(item.tax_rate),
            active=True,
        )
        _fill_safety(item.code)
        added += 1
    log(f"Pharmacy: {len(DEMO_FORMULARY)} items in the demo formulary ({added} new).")


def _fill_safety(code: str) -> None:
    """Give a demo item its allergen classes and maximum dose once (an item a pharmacist has
    given either keeps theirs): a database seeded before the prescribing checks gets them too."""
    classes, maximum = DEMO_SAFETY.get(code, ((), None))
    item = demo_item(code)
    if item is None or item.allergen_classes or item.max_daily_dose_mg is not None:
        return
    if not classes and maximum is None:
        return
    item.allergen_classes = list(classes)
    item.max_daily_dose_mg = Decimal(maximum) if maximum else None
    item.save(update_fields=["allergen_classes", "max_daily_dose_mg"])
