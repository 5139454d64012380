"""Ward forms."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from billing.models import DEPOSIT_MODES
from clinical import open_orders
from hms import params, rbac
from hms.form_renderer import PreparedModelChoiceField
from hms.params import MoneyField, PlainIntegerField
from hms.prepared import Prepared
from wards.models import Bed, BedStatus, Ward

BED_TAKEN = "That bed is no longer free (taken a moment ago): choose another."


def bed_refusal(value, *, current_bed_id: int | None = None) -> str:
    """Why the posted bed `value` (an id) is not among the vacant beds a form offers, in the
    words the desk acts on: no such bed, the patient's own bed, a closed ward, taken, or being
    cleaned or mended (a tester met "taken a moment ago" for each, session 33)."""
    bed_id = params.db_id(value)
    bed = Bed.objects.select_related("ward").filter(pk=bed_id).first() if bed_id else None
    if bed is None:
        return "There is no such bed: choose one from the list."
    if bed.pk == current_bed_id:
        return "The patient is in that bed now: choose the bed to move to."
    if not bed.ward.active:
        return f"{bed.ward.name} is closed: choose a bed in an open ward."
    if bed.status == BedStatus.CLEANING:
        return "That bed is waiting to be cleaned: choose a vacant bed."
    if bed.status == BedStatus.MAINTENANCE:
        return "That bed is out of use for maintenance: choose a vacant bed."
    return BED_TAKEN


class _SaysWhyNotVacant:
    """A vacant-bed select that, for a bed not on its list, says why (`bed_refusal`)."""

    current_bed_id: int | None = None

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as refused:
            if refused.code != "invalid_choice":
                raise
            why = bed_refusal(value, current_bed_id=self.current_bed_id)
            raise ValidationError(why, code="invalid_choice") from None


class VacantBedField(_SaysWhyNotVacant, forms.ModelChoiceField):
    pass


class PreparedVacantBedField(_SaysWhyNotVacant, PreparedModelChoiceField):
    pass


class AdmissionForm(forms.Form):
    patient = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": "Choose the patient (search above)."}
    )
    attending_doctor = forms.ModelChoiceField(
        queryset=None, empty_label="Choose the attending doctor"
    )
    bed = VacantBedField(
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
    bed = PreparedVacantBedField(
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

    def __init__(self, *args, current_bed_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bed"].current_bed_id = current_bed_id

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
