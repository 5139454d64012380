"""Forms of the formulary: an item with its price and tax, and the list's filters."""

from decimal import Decimal

from django import forms

from clinical.models import AllergenClass, InteractionSeverity
from hms import params
from hms.params import MoneyField, PlainDecimalField, plain_formfield
from pharmacy.models import FormularyItem, ItemCategory, ItemForm

TAX_ERRORS = {
    "required": "Enter the tax rate (0 for VAT-exempt).",
    "invalid": "Enter the tax rate as a number, e.g. 16 or 0.",
    "max_decimal_places": "At most two decimal places, e.g. 16.00.",
    "max_digits": "A tax rate is from 0 to 100 per cent.",
    "max_whole_digits": "A tax rate is from 0 to 100 per cent.",
    "min_value": "A tax rate is from 0 to 100 per cent.",
    "max_value": "A tax rate is from 0 to 100 per cent.",
}
TEXT_ERRORS = {"max_length": "At most %(limit_value)d characters (this has %(show_value)d)."}


class FormularyItemForm(forms.ModelForm):
    """An item of the formulary, with the selling price per dispensing unit and the tax rate its
    charge item carries."""

    formfield_callback = plain_formfield

    price = MoneyField(
        label="Selling price per unit (KES)",
        min_value=0,
        help_text="What the patient pays for one dispensing unit.",
        error_messages={
            "required": "Enter the price of one unit.",
            "min_value": "A price cannot be below zero.",
        },
    )
    tax_rate = PlainDecimalField(
        label="Tax rate (%)",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=0,
        help_text="0 for VAT-exempt medicines; 16 for VAT-rated supplies.",
        error_messages=TAX_ERRORS,
    )

    allergen_classes = forms.MultipleChoiceField(
        label="Allergen classes",
        required=False,
        choices=[c for c in AllergenClass.choices if c[0] != AllergenClass.OTHER],
        widget=forms.CheckboxSelectMultiple,
        help_text="Prescribing it to a patient allergic to one of these is stopped.",
        error_messages={"invalid_choice": "Tick allergen classes from the list shown."},
    )
    max_daily_dose_mg = PlainDecimalField(
        label="Maximum daily dose (mg)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        help_text="The adult maximum a day (BNF); more warns the prescriber. Empty: not checked.",
        error_messages={"min_value": "More than nothing, or leave it empty."},
    )

    class Meta:
        model = FormularyItem
        fields = [
            "generic_name",
            "brand",
            "form",
            "strength",
            "dispensing_unit",
            "pack_size",
            "category",
            "reorder_level",
            "active",
        ]
        labels = {
            "generic_name": "Generic name",
            "brand": "Brand (optional)",
            "active": "In use (offered to prescribe, receive and sell)",
        }
        error_messages = {
            name: TEXT_ERRORS | {"required": message, "invalid_choice": message}
            for name, message in {
                "generic_name": "Enter the generic name, e.g. Amoxicillin.",
                "form": "Choose the form.",
                "dispensing_unit": "Enter what one unit on the shelf is, e.g. capsule.",
                "category": "Choose drug or medical supply.",
            }.items()
        } | {
            "brand": TEXT_ERRORS,
            "strength": TEXT_ERRORS,
            "pack_size": {
                "required": "Enter how many units a pack holds.",
                "invalid": "Enter how many units a pack holds, in whole numbers, e.g. 100.",
                "min_value": "A pack holds at least 1 unit.",
                "max_value": "A pack holds at most %(limit_value)s units.",
            },
            "reorder_level": {
                "required": "Enter the reorder level (0 for none).",
                "invalid": "Enter the reorder level in whole units, e.g. 50 (0 for none).",
                "min_value": "The reorder level is 0 or more.",
                "max_value": "The reorder level is at most %(limit_value)s units.",
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["price"] = self.instance.charge_item.price
            self.initial["tax_rate"] = self.instance.charge_item.tax_rate
            self.initial["allergen_classes"] = self.instance.allergen_classes
            self.initial["max_daily_dose_mg"] = self.instance.max_daily_dose_mg
        self.fields["pack_size"].widget.attrs["min"] = 1
        self.fields["reorder_level"].widget.attrs["min"] = 0

    def _get_validation_exclusions(self):
        # The one-item-per-name-brand-form-strength constraint is checked by the service, which
        # names the item it would repeat, beside the generic name.
        return super()._get_validation_exclusions() | {"generic_name", "brand", "form", "strength"}

    def answers(self) -> dict:
        """The service's keyword arguments."""
        return {
            name: self.cleaned_data[name]
            for name in [
                *self.Meta.fields,
                "price",
                "tax_rate",
                "allergen_classes",
                "max_daily_dose_mg",
            ]
        }


ACTIVE_CHOICES = [("yes", "In use"), ("no", "Switched off")]


def filters_from(query) -> dict:
    """The list's search and filters from a query string; an odd value is no filter."""
    return {
        "q": params.search_text(query.get("q")),
        "category": params.choice_param(query.get("category"), ItemCategory.choices),
        "form": params.choice_param(query.get("form"), ItemForm.choices),
        "active": params.choice_param(query.get("active"), ACTIVE_CHOICES),
    }


class DrugInteractionForm(forms.Form):
    """A dangerous pair: each side a generic name or an allergen class code."""

    first = forms.CharField(
        label="First drug or class", max_length=60, help_text="e.g. enalapril, or nsaids"
    )
    second = forms.CharField(label="Second drug or class", max_length=60)
    severity = forms.ChoiceField(choices=InteractionSeverity.choices)
    advice = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happens and what to do.",
    )
    source = forms.CharField(max_length=200, help_text="e.g. BNF, Interactions")
