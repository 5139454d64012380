"""Demo records of billing: the hospital's charge master (prices in KES)."""

from decimal import Decimal

from accounts.models import User
from billing import services
from billing.models import ChargeItem

# code, name, category, charge type, price, tax rate (%). Medical services are VAT-exempt (0 %);
# the private wing's hotel part and sundries carry VAT.
CHARGE_ITEMS = [
    ("WARD-ICU", "Intensive care bed", "ward", "per_day", "15000.00", "0"),
    ("WARD-GEN", "General ward bed", "ward", "per_day", "3500.00", "0"),
    ("WARD-PRV", "Private room", "ward", "per_day", "8000.00", "16"),
    ("WARD-EMR", "Emergency bay", "emergency", "per_hour", "1200.00", "0"),
    ("CONSULT", "Doctor's consultation", "consultation", "fixed", "1500.00", "0"),
    ("NURS-DRESS", "Wound dressing", "nursing", "fixed", "500.00", "0"),
    ("NURS-INJ", "Injection administration", "nursing", "fixed", "200.00", "0"),
    ("MISC-MEALS", "Patient meals (per day)", "misc", "per_day", "600.00", "16"),
    ("MISC-COPY", "Copy of medical records", "misc", "fixed", "300.00", "16"),
]


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    created = 0
    for code, name, category, charge_type, price, tax in CHARGE_ITEMS:
        if ChargeItem.objects.filter(code=code).exists():
            continue
        services.charge_item_save(
            actor=admin,
            fields={
                "code": code,
                "name": name,
                "category": category,
                "charge_type": charge_type,
                "price": Decimal(price),
                "tax_rate": Decimal(tax),
                "active": True,
            },
        )
        created += 1
    log(f"Charge master: {ChargeItem.objects.count()} items ({created} new).")
