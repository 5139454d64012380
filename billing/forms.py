"""Billing forms."""

from django import forms

from billing.models import ChargeItem, ClaimStatus


class ChargeItemForm(forms.ModelForm):
    class Meta:
        model = ChargeItem
        fields = ["code", "name", "category", "charge_type", "price", "tax_rate", "active"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class ManualChargeForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, empty_label="Choose the service")
    quantity = forms.DecimalField(min_value=0.01, max_digits=10, decimal_places=2, initial=1)
    description = forms.CharField(
        max_length=200, required=False, help_text="Optional: what exactly was done."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Manual charges are for services no other screen posts: nursing and sundries.
        self.fields["item"].queryset = ChargeItem.objects.filter(
            active=True, category__in=["nursing", "misc"]
        )


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=150)


AMOUNT_ERRORS = {
    "required": "Enter the amount.",
    "invalid": "Enter the amount as a number, e.g. 12000 or 12000.50.",
    "max_decimal_places": "Enter the amount in cents at most, e.g. 12000.50.",
    "max_digits": "That amount is too large.",
    "max_whole_digits": "That amount is too large.",
}


def _amount_field() -> forms.DecimalField:
    return forms.DecimalField(max_digits=14, decimal_places=2, error_messages=AMOUNT_ERRORS)


class ClaimApproveForm(forms.Form):
    """The insurer's approval: how much of the claim, under which of its references (the service
    checks the rules and says what is missing)."""

    amount = _amount_field()
    insurer_reference = forms.CharField(max_length=60, required=False)


class ClaimRejectForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)


class ClaimPaymentForm(forms.Form):
    amount = _amount_field()
    reference = forms.CharField(max_length=60, required=False)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ClaimStatus.choices], required=False)
    insurer = forms.CharField(max_length=100, required=False)


def first_error(form: forms.Form) -> str:
    """The first thing wrong with a form, as one sentence for a message."""
    for errors in form.errors.values():
        return str(errors[0])
    return ""
