"""Demo records of billing: the hospital's charge master (prices in KES), and a few insured
patients' invoices with their insurance claims at different stages: SHA (the Social Health
Authority, which replaced NHIF in October 2024) and private schemes (AAR, Jubilee), the patients
paying their part the Kenyan way (M-Pesa, with its transaction code)."""

from decimal import Decimal

from django.apps import apps

from accounts.models import User
from billing import services
from billing.models import Charge, ChargeItem, InsuranceClaim, PaymentMode
from hms.money import money

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
            code=code,
            name=name,
            category=category,
            charge_type=charge_type,
            price=Decimal(price),
            tax_rate=Decimal(tax),
            active=True,
        )
        created += 1
    log(f"Charge master: {ChargeItem.objects.count()} items ({created} new).")


def seed_late(log) -> None:
    _seed_claims(log)


# Insured demo patients (clinical's demo registers them with their scheme), what they were
# charged, and how far their claim has gone: paid by the insurer, approved in part, or still
# waiting. Esther Nyambura and John Mutua are SHA members; Wanjiru Kamau is with AAR and Grace
# Wambui with Jubilee (private schemes).
DEMO_CLAIMS = [
    ("Esther", "Nyambura", [("CONSULT", "1"), ("NURS-DRESS", "2")], "paid"),
    ("Wanjiru", "Kamau", [("CONSULT", "1"), ("NURS-DRESS", "2")], "paid"),
    ("John", "Mutua", [("CONSULT", "1"), ("MISC-COPY", "1")], "part-approved"),
    ("Grace", "Wambui", [("CONSULT", "1"), ("NURS-INJ", "1")], "submitted"),
]


def _seed_claims(log) -> None:
    """An issued invoice per insured demo patient, with its claim taken to its stage. Each is
    made once (its charges carry a demo source); runs after every app's demo (clinical's
    registers the patients)."""
    patients = apps.get_model("clinical", "Patient").objects
    reception = User.objects.filter(username="reception").first()
    accountant = User.objects.filter(username="accountant").first()
    made = 0
    for first, last, charges, stage in DEMO_CLAIMS:
        patient = patients.filter(first_name=first, last_name=last).first()
        source = f"demo:claim:{first}-{last}".lower()
        if (
            not (patient and reception and accountant)
            or Charge.objects.filter(source=source).exists()
        ):
            continue
        for code, quantity in charges:
            services.charge_post(
                actor=reception,
                patient=patient,
                code=code,
                quantity=Decimal(quantity),
                source=source,
            )
        draft = services.invoice_draft(actor=reception, patient=patient)
        invoice = services.invoice_issue(actor=reception, invoice=draft)
        claim = InsuranceClaim.objects.filter(invoice=invoice).first()
        made += 1
        if claim is None:  # the policy has lapsed: the patient pays it all
            continue
        if stage == "paid":
            services.claim_approve(
                actor=accountant,
                claim=claim,
                amount=claim.amount_claimed,
                insurer_reference=f"{claim.insurer}-APP-{claim.pk:05d}",
            )
            services.claim_record_payment(
                actor=accountant,
                claim=claim,
                amount=claim.amount_claimed,
                reference=f"{claim.insurer}-EFT-{claim.pk:05d}",
            )
            invoice.refresh_from_db()
            services.payment_take(
                actor=reception,
                invoice=invoice,
                amount=invoice.balance,
                mode=PaymentMode.MPESA,
                reference=f"QK{claim.pk:06d}DM",
            )
        elif stage == "part-approved":
            services.claim_approve(
                actor=accountant,
                claim=claim,
                amount=money(claim.amount_claimed * Decimal("0.75")),
                insurer_reference=f"{claim.insurer}-APP-{claim.pk:05d}",
            )
    log(f"Insurance claims: {InsuranceClaim.objects.count()} ({made} new).")
