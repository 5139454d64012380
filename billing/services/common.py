"""What every billing action shares: the error a person reads, amounts and free text checked as
typed, and the nudge that refreshes open billing screens.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from billing import live
from hms import params
from hms.money import money_exact, money_text
from hms.refusals import Refusal


def _exact_amount(value: object, *, field: str = "amount") -> Decimal:
    """The amount as given, in cents: more places are refused (never rounded away), beside the
    form's `field`."""
    try:
        return money_exact(value)
    except (TypeError, ValueError) as refusal:
        raise BillingError(str(refusal), field=field) from None


def _within_entry_limit(amount: Decimal, *, what: str, field: str = "amount") -> Decimal:
    """`amount` (in the hospital's currency) when it is at most HMS_BILLING_MAX_ENTRY, the most
    one entry may be where nothing else bounds it (an advance deposit, a price); refused beside
    the form's `field` otherwise, naming the limit. `what` begins the sentence ("A price")."""
    limit = Decimal(settings.HMS_BILLING_MAX_ENTRY)
    if amount > limit:
        raise BillingError(
            f"{what} is at most {money_text(limit)} ({money_text(amount)} typed): check the"
            " amount.",
            field=field,
        )
    return amount


def _text(
    value: str, model: type[models.Model], field: str, label: str, *, form_field: str = ""
) -> str:
    """Free text within its column's length, or refused naming the limit (never cut), beside
    the form's field of the same name (or `form_field`)."""
    try:
        return params.bounded_text(value, limit=params.model_limit(model, field), label=label)
    except params.ValueRefused as refusal:
        raise BillingError(str(refusal), field=form_field or field) from None


class BillingError(Refusal):
    """A billing action that cannot be done, with the sentence the person reads."""


def _announce(patient_id: int) -> None:
    """Tell open billing screens (the patient's account, the desk's outstanding list) to refresh
    their figures."""
    live.account_changed(patient_id)
