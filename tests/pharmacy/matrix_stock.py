"""The stock part's sample records and URL arguments for the permission matrix walk."""

from datetime import timedelta

from django.utils import timezone

from hms import rbac
from pharmacy import services
from tests.factories import BatchFactory, FormularyItemFactory, StoreFactory, SupplierFactory


def records(*, role_users, patient, prescription, admission, found) -> dict:
    """Records the stock URLs take (`found`: what earlier parts made): a batch received into the
    main store, a transfer waiting to be received by the sample admission's ward store, a count."""
    pharmacist = role_users[rbac.PHARMACIST]
    main = StoreFactory(name="Sample main store", kind="main")
    ward_store = StoreFactory(name="Sample ward store", kind="ward", ward=admission.bed.ward)
    item = FormularyItemFactory(generic_name="Sample paracetamol")
    expiry = timezone.localdate() + timedelta(days=200)
    receipt = services.receipt_record(
        actor=pharmacist,
        supplier=SupplierFactory(name="Sample supplier"),
        invoice_number="SMPL-1",
        store=main,
        lines=[services.ReceiptLine(item, "SMPL-B1", expiry, 50, BatchFactory.unit_cost)],
    )
    batch = item.batches.get()
    transfer = services.transfer_send(
        actor=pharmacist,
        from_store=main,
        to_store=ward_store,
        lines=[services.TransferRequest(item=item, quantity=5)],
    )
    take = services.stock_take_start(actor=pharmacist, store=main)
    return {
        "pharmacy_store": main,
        "pharmacy_ward_store": ward_store,
        "pharmacy_supplier": receipt.supplier,
        "pharmacy_item": item,
        "pharmacy_batch": batch,
        "pharmacy_receipt": receipt,
        "pharmacy_transfer": transfer,
        "pharmacy_stock_take": take,
    }


def kwargs(samples: dict) -> dict[str, dict]:
    return {
        "stock_item": {"pk": samples["pharmacy_item"].pk},
        "store_edit": {"pk": samples["pharmacy_store"].pk},
        "supplier_edit": {"pk": samples["pharmacy_supplier"].pk},
        "receipt_detail": {"pk": samples["pharmacy_receipt"].pk},
        "transfer_detail": {"pk": samples["pharmacy_transfer"].pk},
        "transfer_receive": {"pk": samples["pharmacy_transfer"].pk},
        "ward_store": {"pk": samples["pharmacy_ward_store"].pk},
        "ward_use": {"pk": samples["pharmacy_ward_store"].pk},
        "stock_adjust": {"pk": samples["pharmacy_batch"].pk},
        "stock_write_off": {"pk": samples["pharmacy_batch"].pk},
        "stock_take": {"pk": samples["pharmacy_stock_take"].pk},
    }
