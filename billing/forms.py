"""Billing forms."""

from django import forms

from billing.models import DEPOSIT_MODES, PAYMENT_MODES, ChargeItem, ClaimStatus, RefundMethod
from hms.concurrent_edits import ConcurrentEditForm
from hms.form_renderer import PreparedModelChoiceField
from hms.params import MoneyField, PlainDecimalField, plain_formfield
from hms.prepared import Prepared


class ChargeItemForm(ConcurrentEditForm, forms.ModelForm):
    formfield_callback = plain_formfield

    class Meta:
        model = ChargeItem
        fields = ["code", "name", "category", "charge_type", "price", "tax_rate", "active"]
        field_classes = {"price": MoneyField}  # "1,500" as well as "1500"

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


# Manual charges are for services no other screen posts: nursing and sundries (the account page
# offers them on every request: hms.prepared).
MANUAL_CHARGE_ORDER = ["category", "name", "id"]


def manual_charge_items():
    """The services the "Add a charge" form lists, in its order (the account page's side column
    reads the same rows: billing.selectors.side_column)."""
    return ChargeItem.objects.filter(active=True, category__in=["nursing", "misc"]).order_by(
        *MANUAL_CHARGE_ORDER
    )


_MANUAL_CHARGE_ITEMS = Prepared(manual_charge_items)
# The same services as plain values, in the select's order: what the account page's blank form,
# kept, is keyed on (billing/templatetags/account_forms.py).
manual_charge_options = Prepared(lambda: manual_charge_items().values("pk", "code", "name"))


class ManualChargeForm(forms.Form):
    item = PreparedModelChoiceField(_MANUAL_CHARGE_ITEMS, empty_label="Choose the service")
    quantity = PlainDecimalField(min_value=0.01, max_digits=10, decimal_places=2, initial=1)
    description = forms.CharField(
        max_length=200, required=False, help_text="Optional: what exactly was done."
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=150)


# Over-long text is refused, naming the limit (the column would cut it without a word).
REASON = {"max_length": "At most %(limit_value)d characters (this has %(show_value)d)."}


AMOUNT_ERRORS = {
    "required": "Enter the amount.",
    "invalid": "Enter the amount as a number, e.g. 12000 or 12000.50.",
    "max_decimal_places": "Enter the amount in cents at most, e.g. 12000.50.",
    "max_digits": "That amount is too large.",
    "max_whole_digits": "That amount is too large.",
}


def _amount_field(**kwargs) -> forms.DecimalField:
    return MoneyField(error_messages=AMOUNT_ERRORS, **kwargs)


class ClaimApproveForm(forms.Form):
    """The insurer's approval: how much of the claim, under which of its references (the service
    checks the rules and says what is missing)."""

    amount = _amount_field()
    insurer_reference = forms.CharField(max_length=60, required=False, error_messages=REASON)


class ClaimRejectForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class ClaimPaymentForm(forms.Form):
    amount = _amount_field()
    reference = forms.CharField(max_length=60, required=False, error_messages=REASON)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ClaimStatus.choices], required=False)
    insurer = forms.CharField(max_length=100, required=False)


class _MoneyAtTheDesk(forms.Form):
    """What a payment and a deposit share: "Yes, record another", hidden until the service
    refuses the same amount recorded for the patient minutes ago (most often the form sent again
    with the Back button); then shown as a box to tick beside that sentence."""

    again = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label="Yes, record another"
    )
    field_order = ["amount", "mode", "reference", "again"]  # the box just above the button

    def add_error(self, field, error):
        if field == "again":
            self.fields["again"].widget = forms.CheckboxInput()
        super().add_error(field, error)


class PaymentForm(_MoneyAtTheDesk):
    """A payment at the desk: what is typed is taken exactly, or refused beside its field."""

    amount = _amount_field()
    mode = forms.ChoiceField(
        choices=PAYMENT_MODES,
        error_messages={
            "required": "Choose how the patient paid.",
            "invalid_choice": "Choose how the patient paid.",
        },
    )
    reference = forms.CharField(max_length=60, required=False, error_messages=REASON)


class DepositForm(_MoneyAtTheDesk):
    """An advance deposit at the desk (a visit's fee collected before the doctor, money paid
    ahead of a procedure): held on the patient's account until an invoice uses it."""

    amount = _amount_field()
    mode = forms.ChoiceField(
        choices=DEPOSIT_MODES,
        error_messages={
            "required": "Choose how the deposit was paid.",
            "invalid_choice": "Choose how the deposit was paid.",
        },
    )
    reference = forms.CharField(max_length=60, required=False, error_messages=REASON)


class RefundForm(forms.Form):
    """Money given back: how much, how (the service requires a reference for every method but
    cash), and why."""

    amount = _amount_field()
    method = forms.ChoiceField(
        choices=RefundMethod.choices,
        error_messages={
            "required": "Choose how the money goes back to the patient.",
            "invalid_choice": "Choose how the money goes back to the patient.",
        },
    )
    reference = forms.CharField(max_length=60, required=False, error_messages=REASON)
    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class ReversePaymentForm(forms.Form):
    """Why a payment is taken back (cheque bounced, M-Pesa reversed); the service requires it."""

    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class CreditNoteForm(forms.Form):
    """An amount off the open balance, or the lines ticked (the ids are read by the view)."""

    amount = _amount_field(required=False)
    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class DiscountForm(forms.Form):
    value = MoneyField(
        max_digits=14,
        decimal_places=2,
        required=False,
        error_messages={
            "invalid": "Enter the discount as a number, e.g. 500 or 10.",
            "max_decimal_places": "Enter at most 2 decimal places.",
            "max_digits": "That discount is too large.",
            "max_whole_digits": "That discount is too large.",
        },
    )
    kind = forms.ChoiceField(choices=[("amount", "Amount"), ("percent", "%")], required=False)
    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, error_messages=REASON)


class DischargeExemptionForm(forms.Form):
    """An accountant lets a stay end with the patient owing (billing.services.exemptions)."""

    admission = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    reason = forms.CharField(
        max_length=200,
        error_messages={"required": "Give the reason for letting the patient leave owing."}
        | REASON,
    )
