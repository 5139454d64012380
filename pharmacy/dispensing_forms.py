"""Forms of the dispensing counter: dispense a prescription, take a return, sell over the
counter (several lines)."""

from django import forms

from hms.money import money_text
from hms.params import PlainIntegerField
from pharmacy.models import FormularyItem, Sale

REASON_ERRORS = {"max_length": "At most %(limit_value)d characters (this has %(show_value)d)."}


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FormularyItem) -> str:
        return f"{obj.name} · {money_text(obj.charge_item.price)} a {obj.dispensing_unit}"


class BalanceChoiceField(forms.ModelChoiceField):
    """A batch on hand, chosen by its balance row (so the label shows what is held)."""

    def label_from_instance(self, obj) -> str:
        batch = obj.batch
        return f"{batch.batch_number} · expires {batch.expiry_date:%d %b %Y} · {obj.quantity} held"


class DispenseForm(forms.Form):
    # The selects have no queryset of their own: a form only shown lists the rows its view read,
    # one posted is given the querysets to check the choices against (__init__), so no
    # placeholder queryset is copied for every form made (~180 calls a form).
    store = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        required=False,
        label="From",
        error_messages={"invalid_choice": "Choose a pharmacy store."},
    )
    item = ItemChoiceField(
        queryset=None,
        empty_label=None,
        label="Item to give",
        error_messages={
            "required": "Choose the item to give.",
            "invalid_choice": "Choose an item from the list.",
        },
    )
    substitution_reason = forms.CharField(
        label="Why another item (a substitution)",
        required=False,
        max_length=200,
        help_text="Needed only when the item differs from the one prescribed.",
        error_messages=REASON_ERRORS,
    )
    quantity = PlainIntegerField(
        min_value=1,
        error_messages={
            "required": "Enter how many to give.",
            "invalid": "Enter a whole number of units, e.g. 2.",
            "min_value": "Give at least 1.",
        },
    )
    balance = BalanceChoiceField(
        queryset=None,
        required=False,
        empty_label="First to expire (FEFO)",
        label="Batch",
        error_messages={"invalid_choice": "That batch is no longer on the shelf: choose again."},
    )
    batch_choice_reason = forms.CharField(
        label="Why this batch",
        required=False,
        max_length=200,
        help_text="Needed only when you pick a batch other than the first to expire.",
        error_messages=REASON_ERRORS,
    )

    def __init__(self, *args, stores=None, items=None, balances=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A form only shown lists the rows its view read (hms.form_renderer.options_read) and
        # needs no querysets; a posted one checks each choice against its queryset.
        if self.is_bound and (stores is None or items is None or balances is None):
            raise TypeError("A posted dispense form checks its choices: give their querysets.")
        for name, queryset in (("store", stores), ("item", items), ("balance", balances)):
            # (None as well: the select then lists this field's rows_read, not the class's)
            self.fields[name].queryset = queryset


class ReturnForm(forms.Form):
    quantity = PlainIntegerField(
        min_value=1,
        label="Units brought back",
        error_messages={
            "required": "Enter how many came back.",
            "invalid": "Enter a whole number of units, e.g. 2.",
            "min_value": "At least 1.",
        },
    )
    reason = forms.CharField(
        max_length=200,
        help_text="e.g. treatment changed, patient discharged before finishing",
        error_messages={"required": "Say why it came back.", **REASON_ERRORS},
    )


class SaleForm(forms.Form):
    customer_name = forms.CharField(
        label="Customer's name", required=False, max_length=120, error_messages=REASON_ERRORS
    )
    customer_phone = forms.CharField(
        label="Phone", required=False, max_length=20, error_messages=REASON_ERRORS
    )
    payment_mode = forms.ChoiceField(
        choices=Sale.PaymentMode.choices,
        initial=Sale.PaymentMode.CASH,
        widget=forms.RadioSelect,
        label="Paid by",
        error_messages={
            "required": "Choose how the customer pays.",
            "invalid_choice": "Choose how the customer pays.",
        },
    )
    payment_reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=40,
        help_text="M-Pesa transaction code or card slip number (not for cash).",
        error_messages=REASON_ERRORS,
    )


class SaleLineForm(forms.Form):
    item = ItemChoiceField(
        queryset=None,
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Choose an item from the list."},
    )
    quantity = PlainIntegerField(
        min_value=1,
        required=False,
        error_messages={
            "invalid": "Enter a whole number of units, e.g. 2.",
            "min_value": "Enter a quantity of at least 1.",
        },
    )

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if items is not None:
            self.fields["item"].queryset = items

    def clean(self):
        data = super().clean()
        item, quantity = data.get("item"), data.get("quantity")
        if item and not quantity and "quantity" not in self.errors:
            self.add_error("quantity", "Enter how many.")
        if quantity and not item and "item" not in self.errors:
            self.add_error("item", "Choose the item.")
        return data


SaleLineFormSet = forms.formset_factory(SaleLineForm, extra=4, max_num=20, absolute_max=20)
