"""Billing forms."""

from django import forms

from billing.models import ChargeItem


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
