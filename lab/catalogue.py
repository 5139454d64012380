"""A realistic starting catalogue of lab and imaging tests (adult and paediatric ranges from common
Kenyan/WHO laboratory references; a hospital reviews them against its own analysers).

`load(actor)` creates what is missing (charge items, tests, fields, ranges) and leaves what
exists alone, so the demo and the tests share one definition.
"""

from decimal import Decimal

from billing import services as billing
from billing.models import ChargeItem
from lab.models import LabTest, ReferenceRange, ResultField

# field: (name, unit, ranges) where a range is (sex, age_from, age_to, low, high, crit_low,
# crit_high); a field without ranges reports text.
CBC = [
    (
        "Haemoglobin",
        "g/dL",
        [
            ("M", 18, None, "13.0", "17.0", "7.0", "20.0"),
            ("F", 18, None, "12.0", "15.5", "7.0", "20.0"),
            ("", 1, 18, "11.0", "14.5", "7.0", "20.0"),
            ("", 0, 1, "10.0", "14.0", "7.0", "22.0"),
        ],
    ),
    (
        "White cells",
        "×10⁹/L",
        [("", 18, None, "4.0", "11.0", "2.0", "30.0"), ("", 0, 18, "5.0", "15.0", "2.0", "30.0")],
    ),
    ("Platelets", "×10⁹/L", [("", 0, None, "150", "400", "50", "1000")]),
]

TESTS = [
    # code, name, kind, department, sample, machine, price, turnaround (min), fields
    ("CBC", "Full blood count", "lab", "haematology", "blood", "", "1200", 120, CBC),
    (
        "RBS",
        "Random blood glucose",
        "lab",
        "biochemistry",
        "blood",
        "",
        "400",
        60,
        [("Glucose", "mmol/L", [("", 0, None, "3.9", "7.8", "2.5", "25.0")])],
    ),
    (
        "UEC",
        "Urea, electrolytes and creatinine",
        "lab",
        "biochemistry",
        "blood",
        "",
        "1800",
        240,
        [
            ("Sodium", "mmol/L", [("", 0, None, "135", "145", "120", "160")]),
            ("Potassium", "mmol/L", [("", 0, None, "3.5", "5.1", "2.5", "6.5")]),
            ("Urea", "mmol/L", [("", 0, None, "2.5", "7.8", None, "30")]),
            (
                "Creatinine",
                "µmol/L",
                [
                    ("M", 18, None, "62", "106", None, "500"),
                    ("F", 18, None, "44", "80", None, "500"),
                    ("", 0, 18, "27", "62", None, "300"),
                ],
            ),
        ],
    ),
    (
        "BS-MPS",
        "Malaria blood smear",
        "lab",
        "parasitology",
        "blood",
        "",
        "500",
        60,
        [("Malaria parasites", "", []), ("Species", "", [])],
    ),
    (
        "URINE",
        "Urinalysis",
        "lab",
        "urinalysis",
        "urine",
        "",
        "600",
        120,
        [
            ("pH", "", [("", 0, None, "4.5", "8.0", None, None)]),
            ("Specific gravity", "", [("", 0, None, "1.005", "1.030", None, None)]),
            ("Protein", "", []),
            ("Glucose", "", []),
        ],
    ),
    ("XR-CHEST", "Chest X-ray", "imaging", "radiology", "none", "xray", "2500", 240, []),
    (
        "US-ABD",
        "Abdominal ultrasound",
        "imaging",
        "radiology",
        "none",
        "ultrasound",
        "3500",
        1440,
        [],
    ),
    ("CT-HEAD", "CT scan of the head", "imaging", "radiology", "none", "ct", "12000", 240, []),
    ("ECG", "Electrocardiogram (12-lead)", "imaging", "cardiology", "none", "ecg", "1500", 60, []),
]


def _dec(value):
    return None if value is None else Decimal(value)


def load(actor) -> int:
    """Create the missing catalogue entries; returns how many tests were created."""
    created = 0
    for code, name, kind, department, sample, machine, price, minutes, fields in TESTS:
        charge_code = f"{'LAB' if kind == 'lab' else 'IMG'}-{code}"
        item = ChargeItem.objects.filter(code=charge_code).first()
        if item is None:
            item = billing.charge_item_save(
                actor=actor,
                fields={
                    "code": charge_code,
                    "name": name,
                    "category": "lab" if kind == "lab" else "machine",
                    "charge_type": "per_test",
                    "price": Decimal(price),
                    "tax_rate": Decimal("0"),
                    "active": True,
                },
            )
        if LabTest.objects.filter(code=code).exists():
            continue
        test = LabTest.objects.create(
            code=code,
            name=name,
            kind=kind,
            department=department,
            sample_type=sample,
            machine_type=machine,
            charge_item=item,
            turnaround_minutes=minutes,
        )
        created += 1
        for position, (field_name, unit, ranges) in enumerate(fields):
            field = ResultField.objects.create(
                test=test,
                name=field_name,
                unit=unit,
                numeric=bool(ranges),
                position=position,
            )
            ReferenceRange.objects.bulk_create(
                ReferenceRange(
                    field=field,
                    sex=sex,
                    age_from=age_from,
                    age_to=age_to,
                    low=_dec(low),
                    high=_dec(high),
                    critical_low=_dec(crit_low),
                    critical_high=_dec(crit_high),
                )
                for sex, age_from, age_to, low, high, crit_low, crit_high in ranges
            )
    return created
