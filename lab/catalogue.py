"""A realistic starting catalogue of lab and imaging tests, with adult and paediatric reference
ranges (sources beside each field; a hospital reviews them against its own analysers).

`load(actor)` creates what is missing (charge items, tests, fields, ranges) and leaves what
exists alone, so the demo and the tests share one definition.
"""

from decimal import Decimal

from billing import services as billing
from billing.models import ChargeItem
from lab.models import LabTest, ReferenceRange, ResultField, age_to_range_days


def days(n: int) -> int:
    return n


def months(n: int) -> int:
    return age_to_range_days(n, "months")


def years(n: int) -> int:
    return age_to_range_days(n, "years")


# The age bands used below, [from, below) in days of age (lab.models.DAYS_PER_YEAR).
NEONATE = (days(0), days(29))  # 0–28 days
YOUNG_INFANT = (days(29), months(2))  # 29 days to under 2 months
INFANT = (months(2), years(1))
TODDLER = (years(1), years(6))
CHILD = (years(6), years(12))
ADOLESCENT = (years(12), years(18))
ADULT = (years(18), None)

# field: (name, unit, ranges) where a range is (sex, (age_from_days, age_to_days), low, high,
# crit_low, crit_high); a field without ranges reports text. Critical limits are this hospital's
# call-back policy, not taken from the sources.
CBC = [
    (
        "Haemoglobin",
        "g/dL",
        # Children: The Harriet Lane Handbook, 22nd ed. (Johns Hopkins Hospital; Elsevier, 2021),
        # "Age-specific blood cell indices": the lower limit is the mean − 2 SD, the upper the
        # mean + 2 SD, widest over the ages a band spans (1–3 days 14.5–22.5, 2 weeks 13.4–19.8,
        # 1 month 10.7–17.1, 2 months 9.4–13.0, 3–6 months 9.5–13.5, 0.5–2 years 10.5–13.5,
        # 2–6 years 11.5–13.5, 6–12 years 11.5–15.5, 12–18 years F 12.0–16.0, M 13.0–16.0).
        # Adults: lower limits are WHO's anaemia thresholds (Haemoglobin concentrations for the
        # diagnosis of anaemia, WHO/NMH/NHD/MNM/11.1, 2011): 13.0 men, 12.0 non-pregnant women.
        [
            ("", NEONATE, "13.4", "22.5", "9.0", "24.0"),
            ("", YOUNG_INFANT, "9.4", "17.1", "7.0", "20.0"),
            ("", INFANT, "9.4", "13.5", "7.0", "20.0"),
            ("", TODDLER, "10.5", "13.5", "7.0", "20.0"),
            ("", CHILD, "11.5", "15.5", "7.0", "20.0"),
            ("F", ADOLESCENT, "12.0", "16.0", "7.0", "20.0"),
            ("M", ADOLESCENT, "13.0", "16.0", "7.0", "20.0"),
            ("F", ADULT, "12.0", "15.5", "7.0", "20.0"),
            ("M", ADULT, "13.0", "17.0", "7.0", "20.0"),
        ],
    ),
    (
        "White cells",
        "×10⁹/L",
        # The Harriet Lane Handbook, 22nd ed., haematology: "Age-specific leukocyte differential"
        # (birth 9.0–30.0, 1–2 weeks 5.0–21.0, 1 month 5.0–19.5, 6–12 months 6.0–17.5,
        # 2 years 6.0–17.0, 4 years 5.5–15.5, 6 years 5.0–14.5, 8–16 years 4.5–13.5,
        # 21 years 4.5–11.0); adults 4.0–11.0 as most Kenyan laboratories report.
        [
            ("", NEONATE, "5.0", "30.0", "2.0", "40.0"),
            ("", (days(29), years(1)), "5.0", "19.5", "2.0", "30.0"),
            ("", TODDLER, "5.5", "17.5", "2.0", "30.0"),
            ("", (years(6), years(18)), "4.5", "14.5", "2.0", "30.0"),
            ("", ADULT, "4.0", "11.0", "2.0", "30.0"),
        ],
    ),
    # Adult range, used at all ages here until the hospital adds paediatric ones.
    ("Platelets", "×10⁹/L", [("", (0, None), "150", "400", "50", "1000")]),
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
        [
            (
                "Glucose",
                "mmol/L",
                # Newborns: WHO's operational threshold for neonatal hypoglycaemia, 2.6 mmol/L
                # (Hypoglycaemia of the newborn, WHO/CHD/97.1). From 29 days: 3.9–7.8, the
                # random (non-fasting) range of most Kenyan laboratories.
                [
                    ("", NEONATE, "2.6", "7.8", "2.0", "25.0"),
                    ("", (days(29), None), "3.9", "7.8", "2.5", "25.0"),
                ],
            )
        ],
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
            # Adult ranges, used at all ages here until the hospital adds paediatric ones.
            ("Sodium", "mmol/L", [("", (0, None), "135", "145", "120", "160")]),
            ("Potassium", "mmol/L", [("", (0, None), "3.5", "5.1", "2.5", "6.5")]),
            ("Urea", "mmol/L", [("", (0, None), "2.5", "7.8", None, "30")]),
            (
                "Creatinine",
                "µmol/L",
                # Children: The Harriet Lane Handbook, 22nd ed., blood chemistries (newborn
                # 0.3–1.0 mg/dL, infant 0.2–0.4, child 0.3–0.7, adolescent 0.5–1.0; × 88.4 to
                # µmol/L). Adults: the ranges most Kenyan laboratories report.
                [
                    ("", NEONATE, "27", "88", None, "300"),
                    ("", (days(29), years(1)), "18", "35", None, "300"),
                    ("", TODDLER, "27", "62", None, "300"),
                    ("", CHILD, "27", "62", None, "300"),
                    ("", ADOLESCENT, "44", "88", None, "300"),
                    ("M", ADULT, "62", "106", None, "500"),
                    ("F", ADULT, "44", "80", None, "500"),
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
            ("pH", "", [("", (0, None), "4.5", "8.0", None, None)]),
            ("Specific gravity", "", [("", (0, None), "1.005", "1.030", None, None)]),
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


# (test code, field): (lowest, highest) value a patient can have, beyond which a reading is a
# mistyping (lab.models.ResultField.possible_low/high): wider than any analyser's reportable
# range after dilution and than any survivable extreme, so that no real result is refused.
POSSIBLE = {
    ("CBC", "Haemoglobin"): ("1", "26"),  # g/dL
    ("CBC", "White cells"): ("0.01", "1000"),  # ×10⁹/L (leukaemias pass 500)
    ("CBC", "Platelets"): ("1", "5000"),  # ×10⁹/L
    ("RBS", "Glucose"): ("0.1", "150"),  # mmol/L (hyperosmolar states pass 100)
    ("UEC", "Sodium"): ("80", "220"),  # mmol/L
    ("UEC", "Potassium"): ("0.5", "15"),  # mmol/L (a haemolysed sample reads high)
    ("UEC", "Urea"): ("0.1", "150"),  # mmol/L
    ("UEC", "Creatinine"): ("5", "5000"),  # µmol/L
    ("URINE", "pH"): ("4", "10"),
    ("URINE", "Specific gravity"): ("1", "1.08"),
}


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
                code=charge_code,
                name=name,
                category="lab" if kind == "lab" else "machine",
                charge_type="per_test",
                price=Decimal(price),
                tax_rate=Decimal("0"),
                active=True,
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
                possible_low=_dec(POSSIBLE.get((code, field_name), (None, None))[0]),
                possible_high=_dec(POSSIBLE.get((code, field_name), (None, None))[1]),
            )
            ReferenceRange.objects.bulk_create(
                ReferenceRange(
                    field=field,
                    sex=sex,
                    age_from_days=band[0],
                    age_to_days=band[1],
                    low=_dec(low),
                    high=_dec(high),
                    critical_low=_dec(crit_low),
                    critical_high=_dec(crit_high),
                )
                for sex, band, low, high, crit_low, crit_high in ranges
            )
    return created
