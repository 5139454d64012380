"""Forms of the stores: stores and suppliers, a receipt and its lines, a transfer and its lines,
a ward's use, an adjustment, a stock take's counts. Numbers in plain digits, dates day first
(hms.params); the services say no to what breaks a rule, beside the field it is about."""

from datetime import date

from django import forms
from django.forms import formset_factory
from django.forms.utils import ErrorDict, ErrorList

from hms.params import DayField, MoneyField, PlainIntegerField
from pharmacy.models import Batch, FormularyItem, StockTakeLine, Store, StoreKind, Supplier
from pharmacy.services import ReceiptLine, TransferRequest

# The most units one line, count or correction may carry: more is a typing slip (and would not
# fit the ledger's integer column).
MOST_UNITS = 1_000_000
# An expiry date's example in its message: a day a medicine on the shelf could expire.
EXPIRY_EXAMPLE = date(2028, 11, 30)
REASON = {
    "required": "Say why.",
    "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d).",
}
# Every message a person may see beside a field, in the words of the stores (never Django's
# "This field is required." or "Ensure this value is greater than or equal to 1.").
TEXT = {"max_length": "At most %(limit_value)d characters (this has %(show_value)d)."}
UNITS = {
    "required": "Enter how many units.",
    "invalid": "Enter a whole number of units, e.g. 24.",
    "min_value": "Enter a quantity of at least 1.",
    "max_value": f"At most {MOST_UNITS:,} units on one line.",
}


def _choice(required: str) -> dict:
    """A list's messages: `required` when nothing is chosen, the same when what came back is
    not on the list (a store closed meanwhile, a page kept open)."""
    return {"required": required, "invalid_choice": f"{required} (from the list)"}


def _text(required: str) -> dict:
    return TEXT | {"required": required}


def _ward_model():
    """wards.Ward, by the label the store's foreign key names (pharmacy never imports wards)."""
    return Store._meta.get_field("ward").related_model


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FormularyItem) -> str:
        return obj.name


def _items():
    return FormularyItem.objects.filter(active=True).order_by("generic_name", "strength", "form")


class StoreForm(forms.Form):
    name = forms.CharField(max_length=80, error_messages=_text("Enter the store's name."))
    kind = forms.ChoiceField(
        choices=StoreKind.choices,
        label="Kind of store",
        error_messages=_choice("Choose the kind of store."),
    )
    ward = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Only for a ward store: the ward it serves.",
        error_messages=_choice("Choose the ward."),
    )
    active = forms.BooleanField(required=False, initial=True, label="Open (in use)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = _ward_model().objects.filter(active=True).order_by("name")

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class SupplierForm(forms.Form):
    name = forms.CharField(max_length=120, error_messages=_text("Enter the supplier's name."))
    phone = forms.CharField(max_length=20, required=False, error_messages=TEXT)
    active = forms.BooleanField(required=False, initial=True, label="Still supplying us")

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class ReceiptForm(forms.Form):
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.filter(active=True),
        error_messages=_choice("Choose the supplier."),
    )
    invoice_number = forms.CharField(
        max_length=40,
        label="Supplier's invoice number",
        error_messages=_text("Enter the number on the supplier's invoice."),
    )
    store = forms.ModelChoiceField(
        queryset=Store.objects.filter(active=True),
        label="Received into",
        error_messages=_choice("Choose the store it goes into."),
    )
    note = forms.CharField(max_length=200, required=False, error_messages=TEXT)


class ReceiptLineForm(forms.Form):
    item = ItemChoiceField(queryset=None, error_messages=_choice("Choose the item."))
    batch_number = forms.CharField(
        max_length=40, error_messages=_text("Enter the batch number on the pack.")
    )
    expiry_date = DayField(label="Expiry date", what="expiry date", example=EXPIRY_EXAMPLE)
    quantity = PlainIntegerField(
        min_value=1,
        max_value=MOST_UNITS,
        help_text="Dispensing units (tablets, bottles…)",
        error_messages=UNITS,
    )
    unit_cost = MoneyField(
        min_value=0,
        max_digits=12,
        label="Cost per unit",
        error_messages={
            "required": "Enter what one unit cost (0 if free).",
            "min_value": "A cost cannot be below zero.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()

    def line(self) -> ReceiptLine:
        return ReceiptLine(**self.cleaned_data)


class TransferForm(forms.Form):
    from_store = forms.ModelChoiceField(
        queryset=Store.objects.filter(active=True),
        label="From",
        error_messages=_choice("Choose the store it comes from."),
    )
    to_store = forms.ModelChoiceField(
        queryset=Store.objects.filter(active=True),
        label="To",
        error_messages=_choice("Choose the store it goes to."),
    )
    note = forms.CharField(max_length=200, required=False, error_messages=TEXT)


class TransferLineForm(forms.Form):
    item = ItemChoiceField(queryset=None, error_messages=_choice("Choose the item."))
    quantity = PlainIntegerField(min_value=1, max_value=MOST_UNITS, error_messages=UNITS)
    batch_number = forms.CharField(
        max_length=40,
        required=False,
        help_text="Empty: first expiry first out",
        error_messages=TEXT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()

    def clean(self) -> dict:
        data = super().clean()
        number = (data.get("batch_number") or "").strip().upper()
        data["batch"] = None
        if number and data.get("item"):
            data["batch"] = Batch.objects.filter(item=data["item"], batch_number=number).first()
            if data["batch"] is None:
                self.add_error("batch_number", f"{data['item'].name} has no batch {number}.")
        return data

    def line(self) -> TransferRequest:
        data = self.cleaned_data
        return TransferRequest(item=data["item"], quantity=data["quantity"], batch=data["batch"])


# Every line may be left empty (the page shows a few); the service wants at least one.
ReceiptLines = formset_factory(ReceiptLineForm, extra=3, max_num=40, absolute_max=40)
TransferLines = formset_factory(TransferLineForm, extra=3, max_num=40, absolute_max=40)
LINE_KWARGS = {"empty_permitted": True, "use_required_attribute": False}


def filled_lines(formset) -> list[tuple[int, forms.Form]]:
    """(index on the page, form) of the lines something was typed in."""
    return [(i, form) for i, form in enumerate(formset.forms) if form.has_changed()]


def with_another_line(post, formset_class, prefix: str = "form"):
    """The same form posted back with one more empty line and no error shown yet (the "Add a
    line" button: works without JavaScript)."""
    data = post.copy()
    total = f"{prefix}-TOTAL_FORMS"
    try:
        count = min(int(data.get(total, "0")), 39)
    except ValueError:
        count = 0
    data[total] = str(count + 1)
    formset = formset_class(data, form_kwargs=LINE_KWARGS)
    formset._non_form_errors = ErrorList()
    for form in formset.forms:
        form._errors = ErrorDict()
    return data, formset


class WardUseForm(forms.Form):
    item = ItemChoiceField(queryset=None, error_messages=_choice("Choose the item."))
    quantity = PlainIntegerField(min_value=1, max_value=MOST_UNITS, error_messages=UNITS)
    reason = forms.CharField(
        max_length=200,
        label="Used for",
        help_text="The patient, bed or procedure",
        error_messages=REASON | {"required": "Say what it was used for."},
    )

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        held = store.balances.filter(quantity__gt=0).values("item_id")
        self.fields["item"].queryset = _items().filter(pk__in=held)

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class AdjustForm(forms.Form):
    store = forms.ModelChoiceField(queryset=None, error_messages=_choice("Choose the store."))
    # A text box: a number box would drop "−3" (the true minus) before the form saw it.
    quantity = PlainIntegerField(
        min_value=-MOST_UNITS,
        max_value=MOST_UNITS,
        label="Units to add (+) or take off (−)",
        help_text="e.g. 5 found, −3 broken",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter the units to add, or to take off with a minus (−3).",
            "invalid": "Enter a whole number: 5 to add, −3 to take off.",
            "min_value": f"At most {MOST_UNITS:,} units at a time.",
            "max_value": f"At most {MOST_UNITS:,} units at a time.",
        },
    )
    reason = forms.CharField(max_length=200, error_messages=REASON)

    def __init__(self, *args, batch: Batch, **kwargs):
        super().__init__(*args, **kwargs)
        held = batch.balances.values("store_id")
        self.fields["store"].queryset = Store.objects.filter(pk__in=held)

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class StoreChoiceForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=Store.objects.filter(active=True), error_messages=_choice("Choose the store.")
    )


class StockTakeForm(forms.Form):
    """A count per line (`counted_<line id>`) and, where it differs, the reason
    (`reason_<line id>`)."""

    def __init__(self, *args, lines: list[StockTakeLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"counted_{line.pk}"] = PlainIntegerField(
                min_value=0,
                max_value=MOST_UNITS,
                required=False,
                initial=line.counted,
                label="Counted",
                error_messages=UNITS | {"min_value": "A count cannot be below 0."},
            )
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                max_length=200, required=False, initial=line.reason, error_messages=REASON
            )
        for line in lines:
            line.counted_field = self[f"counted_{line.pk}"]
            line.reason_field = self[f"reason_{line.pk}"]

    def counts(self) -> dict:
        from pharmacy.services import Count

        data = self.cleaned_data
        return {
            line.pk: Count(data.get(f"counted_{line.pk}"), data.get(f"reason_{line.pk}") or "")
            for line in self.lines
        }
