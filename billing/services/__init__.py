"""Billing actions, one module per area; every name is re-exported here, so callers keep
`from billing import services` and `services.charge_post(...)`.

- `charges`: the charge master (prices with their history), posting and reversing charges;
  `charge_post` is the one function every module posts through.
- `invoices`: drafts, discounts, issue (with the insurance claim) and void; an invoice's figures.
- `payments`: payments, refunds and reversals, and the settled status they leave.
- `advances`: advance deposits and applying them to an invoice.
- `credit_notes`: corrections of an issued invoice.
- `exemptions`: an accountant's authority for a stay to end while the patient owes.
- `claims`: approving, rejecting and paying insurance claims.
- `common`: what they share (`BillingError`, amounts and text checked as typed, the screen refresh).
"""

from billing.services.advances import advance_apply, advance_refund, advance_take
from billing.services.charges import (
    ITEM_FIELDS,
    charge_item_save,
    charge_post,
    charge_reverse,
    charges_join_stay,
    reverse_source,
)
from billing.services.claims import claim_approve, claim_record_payment, claim_reject
from billing.services.common import BillingError
from billing.services.credit_notes import credit_note_issue
from billing.services.exemptions import discharge_exemption_grant
from billing.services.invoices import (
    VOIDABLE,
    VOIDED_CLAIM_REASON,
    invoice_draft,
    invoice_figures,
    invoice_issue,
    invoice_lines,
    invoice_set_discount,
    invoice_void,
    invoice_voidable,
)
from billing.services.payments import payment_refund, payment_reverse, payment_take

__all__ = [
    "BillingError",
    "ITEM_FIELDS",
    "charge_item_save",
    "charge_post",
    "charge_reverse",
    "charges_join_stay",
    "reverse_source",
    "VOIDABLE",
    "VOIDED_CLAIM_REASON",
    "invoice_figures",
    "invoice_lines",
    "invoice_draft",
    "invoice_set_discount",
    "invoice_issue",
    "invoice_void",
    "invoice_voidable",
    "payment_take",
    "payment_refund",
    "payment_reverse",
    "advance_take",
    "advance_apply",
    "advance_refund",
    "credit_note_issue",
    "discharge_exemption_grant",
    "claim_approve",
    "claim_reject",
    "claim_record_payment",
]
