"""Stores and stock: receipts, transfers, a ward's use, adjustments, write-offs, stock takes and
alerts follow the rules a storekeeper expects, and a refused action changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hms.models import AuditEntry
from pharmacy import ledger, services
from pharmacy.models import (
    MovementKind,
    PurchaseReceipt,
    StockAlert,
    StockBalance,
    StockMovement,
    TransferStatus,
)
from pharmacy.services import Count, LineError, PharmacyError, ReceiptLine, TransferRequest
from tests.factories import (
    BatchFactory,
    FormularyItemFactory,
    StoreFactory,
    SupplierFactory,
    WardFactory,
    stock_put,
)

pytestmark = pytest.mark.django_db


def _line(item, number="AB123", days=365, quantity=100, cost="4.50"):
    return ReceiptLine(
        item=item,
        batch_number=number,
        expiry_date=timezone.localdate() + timedelta(days=days),
        quantity=quantity,
        unit_cost=Decimal(cost),
    )


def _held(store, batch) -> int:
    row = StockBalance.objects.filter(store=store, batch=batch).first()
    return row.quantity if row else 0


@pytest.fixture
def stores(db):
    ward = WardFactory(name="Medical ward")
    return {
        "main": StoreFactory(name="Main store", kind="main"),
        "pharmacy": StoreFactory(name="Pharmacy", kind="pharmacy"),
        "ward": StoreFactory(name="Medical ward store", kind="ward", ward=ward),
    }


def test_a_receipt_makes_batches_and_stock_with_a_gapless_number(staff, stores):
    item = FormularyItemFactory()

    receipt = services.receipt_record(
        actor=staff.pharmacist,
        supplier=SupplierFactory(name="KEMSA"),
        invoice_number="INV-77",
        store=stores["main"],
        lines=[_line(item, "ab123"), _line(item, "CD9", days=200, quantity=20)],
    )

    year = timezone.localdate().year
    assert receipt.number == f"GRN-{year}-000001"
    assert ledger.on_hand(item=item, store=stores["main"]) == 120
    assert item.batches.get(batch_number="AB123").unit_cost == Decimal("4.50")
    assert AuditEntry.objects.filter(action="pharmacy.receipt_record").count() == 1


def test_a_receipt_is_refused_beside_the_line_and_changes_nothing(staff, stores):
    item = FormularyItemFactory()
    supplier = SupplierFactory()
    services.receipt_record(
        actor=staff.pharmacist,
        supplier=supplier,
        invoice_number="A1",
        store=stores["main"],
        lines=[_line(item, "K1", days=100)],
    )

    with pytest.raises(LineError) as other_expiry:
        services.receipt_record(
            actor=staff.pharmacist,
            supplier=supplier,
            invoice_number="A2",
            store=stores["main"],
            lines=[_line(item, "NEW1"), _line(item, "K1", days=101)],
        )
    with pytest.raises(LineError) as expired:
        services.receipt_record(
            actor=staff.pharmacist,
            supplier=supplier,
            invoice_number="A3",
            store=stores["main"],
            lines=[_line(item, "OLD", days=0)],
        )
    with pytest.raises(PharmacyError) as same_invoice:
        services.receipt_record(
            actor=staff.pharmacist,
            supplier=supplier,
            invoice_number="a1",
            store=stores["main"],
            lines=[_line(item, "Z")],
        )

    assert (other_expiry.value.line, other_expiry.value.field) == (1, "expiry_date")
    assert (expired.value.line, expired.value.field) == (0, "expiry_date")
    assert same_invoice.value.field == "invoice_number"
    assert PurchaseReceipt.objects.count() == 1
    assert not item.batches.filter(batch_number="NEW1").exists()
    assert ledger.on_hand(item=item) == 100


def test_only_pharmacists_and_admins_receive_from_suppliers(staff, stores):
    with pytest.raises(PermissionDenied):
        services.receipt_record(
            actor=staff.nurse,
            supplier=SupplierFactory(),
            invoice_number="N1",
            store=stores["ward"],
            lines=[_line(FormularyItemFactory())],
        )


def test_a_transfer_goes_first_expiry_first_out_and_arrives_once(staff, stores):
    item = FormularyItemFactory()
    today = timezone.localdate()
    late = BatchFactory(item=item, expiry_date=today + timedelta(days=300))
    soon = BatchFactory(item=item, expiry_date=today + timedelta(days=40))
    expired = BatchFactory(item=item, expiry_date=today)
    for batch in (late, soon, expired):
        stock_put(stores["main"], batch, 10, staff.pharmacist)

    transfer = services.transfer_send(
        actor=staff.pharmacist,
        from_store=stores["main"],
        to_store=stores["ward"],
        lines=[TransferRequest(item=item, quantity=15)],
    )
    in_transit = ledger.on_hand(item=item, store=stores["ward"])
    services.transfer_receive(actor=staff.nurse, transfer=transfer)
    services.transfer_receive(actor=staff.nurse, transfer=transfer)

    assert in_transit == 0
    assert [(line.batch, line.quantity) for line in transfer.lines.all()] == [(soon, 10), (late, 5)]
    assert (_held(stores["main"], soon), _held(stores["main"], late)) == (0, 5)
    assert (_held(stores["ward"], soon), _held(stores["ward"], late)) == (10, 5)
    assert _held(stores["main"], expired) == 10
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_by) == (TransferStatus.RECEIVED, staff.nurse)
    assert StockMovement.objects.filter(kind=MovementKind.TRANSFER_IN).count() == 2


def test_a_nurse_receives_only_into_a_ward_store_and_sends_nothing(staff, stores):
    batch = BatchFactory()
    stock_put(stores["main"], batch, 10, staff.pharmacist)
    to_pharmacy = services.transfer_send(
        actor=staff.pharmacist,
        from_store=stores["main"],
        to_store=stores["pharmacy"],
        lines=[TransferRequest(item=batch.item, quantity=4, batch=batch)],
    )

    with pytest.raises(PermissionDenied):
        services.transfer_receive(actor=staff.nurse, transfer=to_pharmacy)
    with pytest.raises(PermissionDenied):
        services.transfer_send(
            actor=staff.nurse,
            from_store=stores["main"],
            to_store=stores["ward"],
            lines=[TransferRequest(item=batch.item, quantity=1)],
        )

    assert _held(stores["pharmacy"], batch) == 0


def test_sending_more_than_is_held_is_refused_on_its_line(staff, stores):
    batch = BatchFactory()
    stock_put(stores["main"], batch, 3, staff.pharmacist)

    with pytest.raises(LineError) as refused:
        services.transfer_send(
            actor=staff.pharmacist,
            from_store=stores["main"],
            to_store=stores["pharmacy"],
            lines=[TransferRequest(item=batch.item, quantity=4)],
        )

    assert (refused.value.line, refused.value.field) == (0, "quantity")
    assert "holds only 3" in str(refused.value)
    assert _held(stores["main"], batch) == 3


def test_a_ward_records_its_use_with_a_reason(staff, stores):
    batch = BatchFactory()
    stock_put(stores["ward"], batch, 5, staff.pharmacist)

    with pytest.raises(PharmacyError, match="used for"):
        services.ward_use_record(
            actor=staff.nurse, store=stores["ward"], item=batch.item, quantity=2, reason=" "
        )
    services.ward_use_record(
        actor=staff.nurse, store=stores["ward"], item=batch.item, quantity=2, reason="Bed 4"
    )
    with pytest.raises(PermissionDenied):
        services.ward_use_record(
            actor=staff.nurse, store=stores["main"], item=batch.item, quantity=1, reason="x"
        )

    assert _held(stores["ward"], batch) == 3
    assert StockMovement.objects.get(kind=MovementKind.WARD_USE).reason == "Bed 4"


def test_adjustments_need_a_reason_and_write_offs_an_expired_batch(staff, stores):
    fresh = BatchFactory()
    expired = BatchFactory(expiry_date=timezone.localdate() - timedelta(days=1))
    stock_put(stores["pharmacy"], fresh, 10, staff.pharmacist)
    stock_put(stores["pharmacy"], expired, 7, staff.pharmacist)

    with pytest.raises(PharmacyError, match="reason"):
        services.stock_adjust(
            actor=staff.pharmacist, store=stores["pharmacy"], batch=fresh, quantity=-2, reason=""
        )
    services.stock_adjust(
        actor=staff.pharmacist, store=stores["pharmacy"], batch=fresh, quantity=-2, reason="Broken"
    )
    with pytest.raises(PharmacyError, match="not expired"):
        services.expired_write_off(actor=staff.pharmacist, store=stores["pharmacy"], batch=fresh)
    services.expired_write_off(actor=staff.pharmacist, store=stores["pharmacy"], batch=expired)

    assert _held(stores["pharmacy"], fresh) == 8
    assert _held(stores["pharmacy"], expired) == 0
    assert StockMovement.objects.get(kind=MovementKind.WRITE_OFF).quantity == -7


def test_a_stock_take_posts_the_variance_against_the_ledger_at_posting(staff, stores):
    a, b = BatchFactory(), BatchFactory()
    stock_put(stores["pharmacy"], a, 10, staff.pharmacist)
    stock_put(stores["pharmacy"], b, 20, staff.pharmacist)
    take = services.stock_take_start(actor=staff.pharmacist, store=stores["pharmacy"])
    line_a, line_b = take.lines.order_by("batch_id")
    stock_put(stores["pharmacy"], a, -3, staff.pharmacist)  # dispensed while counting

    with pytest.raises(LineError) as no_reason:
        services.stock_take_post(
            actor=staff.pharmacist,
            stock_take=take,
            counts={line_a.pk: Count(6), line_b.pk: Count(20)},
        )
    services.stock_take_post(
        actor=staff.pharmacist,
        stock_take=take,
        counts={line_a.pk: Count(6, "one strip missing"), line_b.pk: Count(20)},
    )

    assert no_reason.value.field == "reason"
    assert (_held(stores["pharmacy"], a), _held(stores["pharmacy"], b)) == (6, 20)
    adjustment = StockMovement.objects.get(stock_take=take)
    assert (adjustment.quantity, adjustment.reason) == (-1, "Stock take: one strip missing")
    with pytest.raises(PharmacyError, match="posted already"):
        services.stock_take_post(actor=staff.pharmacist, stock_take=take, counts={})


def test_the_alerts_find_low_stock_expiring_and_expired_batches(staff, stores, settings):
    settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS = 90
    today = timezone.localdate()
    low = FormularyItemFactory(reorder_level=50)
    plenty = FormularyItemFactory(reorder_level=50)
    stock_put(
        stores["main"],
        BatchFactory(item=low, expiry_date=today + timedelta(days=30)),
        40,
        staff.pharmacist,
    )
    stock_put(stores["main"], BatchFactory(item=low, expiry_date=today), 100, staff.pharmacist)
    stock_put(stores["main"], BatchFactory(item=plenty), 60, staff.pharmacist)

    from pharmacy.tasks import refresh_stock_alerts

    refresh_stock_alerts.call_local()

    found = sorted(StockAlert.objects.values_list("kind", "item_id", "quantity"))
    assert found == [
        ("expired", low.pk, 100),
        ("expiring", low.pk, 40),
        ("reorder", low.pk, 40),
    ]


def test_the_alerts_panel_shows_the_first_four_of_each_kind_and_counts_them_all_in_one_query(
    stores, django_assert_num_queries
):
    from pharmacy import selectors

    today = timezone.localdate()
    for n, name in enumerate(["Zinc", "Amoxicillin", "Metformin", "Paracetamol", "Ibuprofen"]):
        item = FormularyItemFactory(generic_name=name)
        StockAlert.objects.create(kind="reorder", item=item, quantity=n, found_on=today)
        batch = BatchFactory(item=item, expiry_date=today + timedelta(days=30 - n))
        StockAlert.objects.create(
            kind="expiring",
            item=item,
            batch=batch,
            store=stores["main"],
            quantity=10,
            expiry_date=batch.expiry_date,
            found_on=today,
        )
    gone = BatchFactory(expiry_date=today)
    StockAlert.objects.create(
        kind="expired", item=gone.item, batch=gone, quantity=3, expiry_date=today, found_on=today
    )

    with django_assert_num_queries(1):
        panel = selectors.alerts()

    assert panel["counts"] == {"reorder": 5, "expiring": 5, "expired": 1}
    assert [a.item.generic_name for a in panel["reorder"]] == [
        "Amoxicillin",
        "Ibuprofen",
        "Metformin",
        "Paracetamol",
    ]
    assert [a.item.generic_name for a in panel["expiring"]] == [
        "Ibuprofen",
        "Paracetamol",
        "Metformin",
        "Amoxicillin",
    ]
    assert [a.batch for a in panel["expired"]] == [gone]


def test_the_demo_stocks_the_stores_once_with_a_transfer_waiting_for_a_ward(make_user):
    from pharmacy import demo_stock
    from pharmacy.models import Store, Transfer

    for role in ("admin", "pharmacist", "nurse"):
        make_user(role, username=role)
    WardFactory(name="General Ward A")
    items = [FormularyItemFactory(reorder_level=100) for _ in range(8)]

    demo_stock.seed(lambda line: None)
    demo_stock.seed(lambda line: None)

    assert Store.objects.filter(kind="ward", ward__name="General Ward A").count() == 1
    assert PurchaseReceipt.objects.count() == 3
    waiting = Transfer.objects.filter(status=TransferStatus.SENT)
    assert [t.to_store.kind for t in waiting] == ["ward"]
    kinds = set(StockAlert.objects.values_list("kind", flat=True))
    assert kinds == {"reorder", "expiring", "expired"}
    assert ledger.on_hand(item=items[0], store=Store.objects.get(kind="pharmacy")) == 60


def test_a_transfer_tells_both_stores_pages_and_the_alerts_once_committed(
    staff, stores, monkeypatch, django_capture_on_commit_callbacks
):
    from hms import realtime

    batch = BatchFactory()
    stock_put(stores["main"], batch, 10, staff.pharmacist)
    groups: list[str] = []
    monkeypatch.setattr(realtime, "send_now", lambda group, message: groups.append(group) or True)

    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_send(
            actor=staff.pharmacist,
            from_store=stores["main"],
            to_store=stores["ward"],
            lines=[TransferRequest(item=batch.item, quantity=2)],
        )
        sent_before_commit = list(groups)

    assert sent_before_commit == []
    assert sorted(g for g in groups if g.startswith("pharmacy.")) == sorted(
        [
            "pharmacy.alerts",
            f"pharmacy.store.{stores['main'].pk}",
            f"pharmacy.store.{stores['ward'].pk}",
        ]
    )
