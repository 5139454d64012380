"""Demo records of the pharmacy: the stock part. The main store, the pharmacy and a store per
ward; KEMSA, MEDS and a local distributor; deliveries into the main store (a few batches
expiring within the warning days, one already expired), transfers to the pharmacy and to a ward
(one waiting for the ward's nurse), a couple of items below their reorder level, and the alerts
once. Made once: the first supplier invoice marks it (the stores are made whenever missing)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from pharmacy import services
from pharmacy.models import FormularyItem, PurchaseReceipt, Store, StoreKind, Supplier

SUPPLIERS = [
    ("KEMSA (Kenya Medical Supplies Authority)", "0800 720 531"),
    ("MEDS (Mission for Essential Drugs and Supplies)", "020 354 5664"),
    ("Nakuru Pharmaceutical Distributors Ltd", "0722 418 905"),
]
FIRST_INVOICE = "KEMSA/INV/2026/10418"


def _stores(admin: User) -> dict[str, Store]:
    ward_model = Store._meta.get_field("ward").related_model
    wanted = [("Main store", StoreKind.MAIN, None), ("Pharmacy", StoreKind.PHARMACY, None)]
    wanted += [
        (f"{ward.name} store", StoreKind.WARD, ward)
        for ward in ward_model.objects.filter(active=True).order_by("name")
    ]
    for name, kind, ward in wanted:
        if not Store.objects.filter(name=name).exists():
            services.store_save(actor=admin, name=name, kind=kind, ward=ward)
    return {store.name: store for store in Store.objects.all()}


def _suppliers(admin: User) -> list[Supplier]:
    for name, phone in SUPPLIERS:
        if not Supplier.objects.filter(name=name).exists():
            services.supplier_save(actor=admin, name=name, phone=phone)
    return [Supplier.objects.get(name=name) for name, _ in SUPPLIERS]


def _line(item: FormularyItem, n: int, days: int, quantity: int) -> services.ReceiptLine:
    price = item.charge_item.price or Decimal("10")
    return services.ReceiptLine(
        item=item,
        batch_number=f"{item.generic_name[:3].upper()}{2600 + n:04d}",
        expiry_date=timezone.localdate() + timedelta(days=days),
        quantity=quantity,
        unit_cost=(price * Decimal("0.6")).quantize(Decimal("0.01")),
    )


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    pharmacist = User.objects.filter(username="pharmacist").first() or admin
    if admin is None:
        return
    stores = _stores(admin)
    suppliers = _suppliers(admin)
    items = list(FormularyItem.objects.filter(active=True).select_related("charge_item"))
    if PurchaseReceipt.objects.filter(invoice_number=FIRST_INVOICE).exists() or not items:
        log(f"Pharmacy stock: {len(stores)} stores, {len(items)} items.")
        return
    main, pharmacy = stores["Main store"], stores["Pharmacy"]
    # Most items well stocked for two years; every seventh expiring within 90 days; the last two
    # short of their reorder level.
    lines = []
    for n, item in enumerate(items[:-2]):
        days = 60 if n % 7 == 3 else 400 + 20 * (n % 12)
        quantity = max(item.reorder_level * 3, 200)
        lines.append(_line(item, n, days, quantity))
    for n, item in enumerate(items[-2:], start=len(items)):
        lines.append(_line(item, n, 300, max(item.reorder_level // 3, 5)))
    half = len(lines) // 2
    services.receipt_record(
        actor=pharmacist,
        supplier=suppliers[0],
        invoice_number=FIRST_INVOICE,
        store=main,
        lines=lines[:half],
    )
    services.receipt_record(
        actor=pharmacist,
        supplier=suppliers[1],
        invoice_number="MEDS/26/5521",
        store=main,
        lines=lines[half:],
    )
    _expired_batch(pharmacist, main, suppliers[2], items[0])
    _transfers(pharmacist, stores, items, main, pharmacy)
    services.stock_alerts_refresh()
    log(f"Pharmacy stock: {len(stores)} stores, {len(lines)} batches received, alerts made.")


def _expired_batch(actor: User, store: Store, supplier: Supplier, item: FormularyItem) -> None:
    """A batch received last year that expired last week, still on the main store's shelf: it
    is received as it was then (an expiry in the future), then its date passes."""
    receipt = services.receipt_record(
        actor=actor,
        supplier=supplier,
        invoice_number="NPD-0931",
        store=store,
        lines=[_line(item, 99, 30, 24)],
    )
    batch = receipt.movements.get().batch
    batch.expiry_date = timezone.localdate() - timedelta(days=7)
    batch.save(update_fields=["expiry_date"])
    batch.balances.update(expiry_date=batch.expiry_date)


def _transfers(actor: User, stores: dict, items: list, main: Store, pharmacy: Store) -> None:
    """Stock for the counter, and supplies for a ward: one received, one waiting for its nurse."""
    nurse = User.objects.filter(username="nurse").first()
    to_counter = [services.TransferRequest(item=item, quantity=60) for item in items[:-2]]
    sent = services.transfer_send(actor=actor, from_store=main, to_store=pharmacy, lines=to_counter)
    services.transfer_receive(actor=actor, transfer=sent)
    ward_stores = [store for store in stores.values() if store.kind == StoreKind.WARD]
    if not ward_stores:
        return
    supplies = [item for item in items[:-2] if item.category == "supply"] or items[:3]
    received = services.transfer_send(
        actor=actor,
        from_store=main,
        to_store=ward_stores[0],
        lines=[services.TransferRequest(item=item, quantity=20) for item in supplies[:4]],
    )
    if nurse is not None:
        services.transfer_receive(actor=nurse, transfer=received)
        services.ward_use_record(
            actor=nurse,
            store=ward_stores[0],
            item=supplies[0],
            quantity=3,
            reason="Bed 03: dressing change",
        )
    services.transfer_send(
        actor=actor,
        from_store=main,
        to_store=ward_stores[0],
        lines=[services.TransferRequest(item=item, quantity=10) for item in supplies[:2]],
        note="Weekly top-up",
    )
