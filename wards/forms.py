"""Ward forms."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from billing.models import DEPOSIT_MODES
from clinical import open_orders
from hms import rbac
from hms.form_renderer import PreparedModelChoiceField
from hms.params import MoneyField, PlainIntegerField
from hms.prepared import Prepared
from wards.models import Bed, BedStatus, Ward

BED_TAKEN = "That bed is no longer free (taken a moment ago): choose another."


class AdmissionForm(forms.Form):
    patient = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": "Choose the patient (search above)."}
    )
    attending_doctor = forms.ModelChoiceField(
        queryset=None, empty_label="Choose the attending doctor"
    )
    bed = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose a vacant bed",
        # The list offers vacant beds only: a bed gone from it was taken while the form was open.
        error_messages={"invalid_choice": BED_TAKEN},
    )
    reason = forms.CharField(label="Reason for admission", max_length=200)
    diagnosis = forms.CharField(max_length=200, required=False)
    expected_days = PlainIntegerField(
        label="Expected stay (days)", min_value=1, max_value=365, required=False
    )
    deposit_mode = forms.ChoiceField(
        label="Deposit paid by",
        choices=DEPOSIT_MODES,  # billing's: the modes a Kenyan desk takes a deposit by
        initial="cash",
        required=False,  # only when a deposit is taken (checked in clean)
    )
    deposit_reference = forms.CharField(label="Deposit reference", max_length=60, required=False)
    advance_deposit = MoneyField(
        label="Advance deposit (KES)",
        min_value=0,
        max_digits=12,
        required=False,
        initial=Decimal("0"),
    )

    def clean(self):
        data = super().clean()
        if data.get("advance_deposit") and not data.get("deposit_mode"):
            self.add_error("deposit_mode", "Say how the deposit was paid.")
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attending_doctor"].queryset = get_user_model().objects.filter(
            role=rbac.DOCTOR, is_active=True
        )
        self.fields["bed"].queryset = _vacant_beds()


def _vacant_beds() -> QuerySet:
    return Bed.objects.filter(status=BedStatus.VACANT, ward__active=True).select_related("ward")


# Every admission page offers the vacant beds to transfer to (hms.prepared: compiled once).
_VACANT_BEDS = Prepared(_vacant_beds)


class TransferForm(forms.Form):
    bed = PreparedModelChoiceField(
        _VACANT_BEDS,
        empty_label="Choose a vacant bed",
        error_messages={"required": "Choose a vacant bed.", "invalid_choice": BED_TAKEN},
    )
    reason = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Give the reason for the transfer.",
            "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )

    def answers(self) -> dict:
        """What wards.services.admission_transfer takes."""
        return {"bed": self.cleaned_data["bed"], "reason": self.cleaned_data["reason"]}


class DischargeSummaryForm(forms.Form):
    final_diagnosis = forms.CharField(label="Diagnosis", max_length=200)
    treatment_given = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    procedures = forms.CharField(
        label="Procedures done", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    discharge_medications = forms.CharField(
        label="Medications on discharge",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The medicines on the chart are filled in: continue, change or stop each.",
    )
    follow_up = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def answers(self) -> dict:
        """What wards.services.discharge_order takes."""
        return {"summary": self.cleaned_data}


class WardForm(forms.ModelForm):
    beds = PlainIntegerField(label="Number of beds", min_value=1, max_value=200, initial=10)

    class Meta:
        model = Ward
        fields = ["name", "kind", "charge_code"]


class OpenOrderDecisionForm(forms.Form):
    """A doctor's decision on one open order of the stay, at discharge."""

    source = forms.ChoiceField(choices=())
    order = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    decision = forms.ChoiceField(choices=open_orders.DECISIONS)
    reason = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(name, name) for name in open_orders.sources()]


class NoteForm(forms.Form):
    """A ward-round or nursing note, or an addendum (the service checks length and blanks)."""

    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the note first."},
    )
