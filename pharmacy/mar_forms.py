"""Forms of the medication administration record: a doctor's order, its stop, a dose recorded."""

from django import forms
from django.urls import reverse

from clinical.models import Route
from hms.params import MomentField, PlainIntegerField
from pharmacy.models import DoseFrequency, DoseOutcome, FormularyItem, ItemCategory

REASON_ERRORS = {"max_length": "At most %(limit_value)d characters (this has %(show_value)d)."}


class MedicationOrderForm(forms.Form):
    """The doctor's order: the drug picked from the formulary search (the `item` id a tap on the
    list fills, static/js/mar.js), the dose, units per dose, route, frequency, start and stop, and
    for a PRN order its maximum and indication."""

    drug = forms.CharField(
        label="Drug",
        required=False,
        max_length=60,
        help_text="Type to search the formulary, then tap the item.",
    )
    item = forms.ModelChoiceField(
        queryset=FormularyItem.objects.filter(active=True, category=ItemCategory.DRUG),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Search the formulary and tap the drug.",
            "invalid_choice": "That drug is no longer in the formulary: search again.",
        },
    )
    dose = forms.CharField(
        max_length=40,
        help_text="As the nurse gives it, e.g. 1 g, 2 tablets, 2.4 mg/kg",
        error_messages={"required": "Enter the dose.", **REASON_ERRORS},
    )
    units_per_dose = PlainIntegerField(
        label="Units per dose",
        min_value=1,
        max_value=20,
        initial=1,
        help_text="Whole dispensing units one dose takes from the ward store (tablets, vials)",
        error_messages={
            "required": "Enter the units one dose takes.",
            "invalid": "Enter a whole number.",
            "min_value": "At least 1.",
            "max_value": "At most 20.",
        },
    )
    route = forms.ChoiceField(choices=Route.choices, initial=Route.ORAL)
    frequency = forms.ChoiceField(
        choices=DoseFrequency.choices,
        label="How often",
        error_messages={"invalid_choice": "Choose how often."},
    )
    # Typed day first (DECISIONS, "Dates typed"): the browser's date-time picker reads and shows
    # the tablet's locale.
    start_at = MomentField(
        label="Start",
        required=False,
        help_text="dd/mm/yyyy hh:mm. Leave empty to start now.",
    )
    stop_at = MomentField(label="Planned stop", required=False, help_text="dd/mm/yyyy hh:mm")
    prn_max_per_24h = PlainIntegerField(
        label="Most doses in 24 hours (PRN)",
        required=False,
        min_value=1,
        max_value=24,
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": "At least 1.",
            "max_value": "At most 24.",
        },
    )
    indication = forms.CharField(
        label="What it is for (PRN)",
        required=False,
        max_length=120,
        error_messages=REASON_ERRORS,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The drug box is pharmacy's formulary search, as on the consultation screen.
        self.fields["drug"].widget.attrs.update(
            {
                "autocomplete": "off",
                "placeholder": "Type to search the formulary, e.g. artesunate",
                "hx-get": reverse("formulary_pick"),
                "hx-trigger": "input changed delay:250ms, focus",
                "hx-target": "#formulary-pick",
                "hx-swap": "outerHTML",
                "data-testid": "drug-search",
            }
        )
        self.fields["units_per_dose"].widget.attrs.update({"inputmode": "numeric", "min": 1})


class StopForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        error_messages={"required": "Say why the order is stopped.", **REASON_ERRORS},
    )


class DoseForm(forms.Form):
    """One dose recorded: the outcome, the reason (unless given), the scheduled time it is (as a
    Unix timestamp; none for a PRN dose)."""

    outcome = forms.ChoiceField(
        choices=DoseOutcome.choices,
        error_messages={"required": "Choose what happened.", "invalid_choice": "Choose again."},
    )
    reason = forms.CharField(required=False, max_length=200, error_messages=REASON_ERRORS)
    due = forms.IntegerField(required=False, widget=forms.HiddenInput)
