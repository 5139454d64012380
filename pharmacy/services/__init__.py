"""Business actions of the pharmacy and stores, one module per part: the formulary
(formulary.py), stores, receipts, transfers, stock takes and alerts (stock.py), dispensing,
returns and over-the-counter sales (dispensing.py), inpatient medication orders and the doses of
the medication administration record (mar.py). Each is one transaction with its audit row,
checks its own capability, and moves stock only through pharmacy.ledger.move; a refusal raises
PharmacyError (hms.refusals) with the sentence the person reads and the field it is about."""

from pharmacy.services.common import PharmacyError
from pharmacy.services.dispensing import dispense, dispense_return, sale_price, sale_record
from pharmacy.services.formulary import formulary_item_save
from pharmacy.services.mar import dose_record, medication_order_create, medication_order_stop
from pharmacy.services.stock import (
    Count,
    LineError,
    ReceiptLine,
    TransferRequest,
    expired_write_off,
    receipt_record,
    stock_adjust,
    stock_alerts_refresh,
    stock_take_post,
    stock_take_save,
    stock_take_start,
    store_save,
    supplier_save,
    transfer_receive,
    transfer_send,
    ward_use_record,
)

__all__ = [
    "Count",
    "LineError",
    "PharmacyError",
    "ReceiptLine",
    "TransferRequest",
    "dispense",
    "dispense_return",
    "dose_record",
    "expired_write_off",
    "formulary_item_save",
    "medication_order_create",
    "medication_order_stop",
    "receipt_record",
    "sale_price",
    "sale_record",
    "stock_adjust",
    "stock_alerts_refresh",
    "stock_take_post",
    "stock_take_save",
    "stock_take_start",
    "store_save",
    "supplier_save",
    "transfer_receive",
    "transfer_send",
    "ward_use_record",
]
