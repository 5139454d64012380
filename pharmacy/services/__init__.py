"""Business actions of the pharmacy and stores, one module per part: the formulary
(formulary.py), stores, receipts, transfers, stock takes and alerts (stock.py), dispensing,
returns and over-the-counter sales (dispensing.py). Each is one transaction with its audit row,
checks its own capability, and moves stock only through pharmacy.ledger.move; a refusal raises
PharmacyError (hms.refusals) with the sentence the person reads and the field it is about."""

from pharmacy.services.common import PharmacyError
from pharmacy.services.dispensing import dispense, dispense_return, sale_record
from pharmacy.services.formulary import formulary_item_save

__all__ = ["PharmacyError", "dispense", "dispense_return", "formulary_item_save", "sale_record"]
