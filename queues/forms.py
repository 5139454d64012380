"""The queue's forms: a ticket at the desk, sending a patient on, a service point, a display."""

from django import forms

from clinical.merging import live_record
from clinical.models import Patient
from clinical.selectors import doctors
from queues.models import ServicePoint
from queues.selectors import active_points


class TicketIssueForm(forms.Form):
    service_point = forms.ModelChoiceField(
        queryset=ServicePoint.objects.none(),
        label="Service point",
        empty_label=None,
        error_messages={"invalid_choice": "That service point is closed now: choose another."},
    )
    mrn = forms.CharField(
        label="Patient's MRN",
        max_length=12,
        required=False,
        help_text="Leave empty for a walk-in without a record (a payment, a purchase).",
    )
    priority = forms.BooleanField(
        required=False, label="Priority (emergency, elderly, pregnant, a small child)"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_point"].queryset = active_points()

    def clean_mrn(self) -> Patient | None:
        mrn = "".join(self.cleaned_data["mrn"].split())
        if not mrn:
            return None
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            raise forms.ValidationError(f"No patient has MRN {mrn}: find them under Patients.")
        return live_record(patient)  # a merged record's MRN is the survivor's alias


class TransferForm(forms.Form):
    """Sending a ticket on to another open service point. A blank form lists no points: the
    point's page writes the select from the points it has read already (queues/point.html)."""

    to_point = forms.ModelChoiceField(
        queryset=ServicePoint.objects.none(),
        label="Send to",
        error_messages={"invalid_choice": "That service point is closed now: choose another."},
    )
    priority = forms.BooleanField(required=False, label="Priority")

    def __init__(self, *args, exclude: ServicePoint | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.exclude = exclude
        if not self.is_bound:
            return
        points = active_points()
        if exclude is not None:
            points = points.exclude(pk=exclude.pk)
        self.fields["to_point"].queryset = points

    def clean(self) -> dict:
        """A point not offered is named for what it is: the ticket's own point, or one closed
        (a tester was told "closed" for the point the ticket stood at, session 33)."""
        data = super().clean()
        sent = self.data.get(self.add_prefix("to_point"))
        if self.exclude is not None and "to_point" in self.errors and sent == str(self.exclude.pk):
            self.errors["to_point"] = self.error_class(
                [f"The ticket is at {self.exclude.name} already: choose where to send it."]
            )
        return data


class ServicePointForm(forms.ModelForm):
    class Meta:
        model = ServicePoint
        fields = ["name", "kind", "prefix", "doctor", "position"]
        help_texts = {
            "prefix": "Tickets read prefix-number: T-012. One to three letters.",
            "doctor": "Only for a doctor's own room; empty for a general queue.",
            "position": "Order on the lists and the displays.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = doctors()
        self.fields["doctor"].required = False
        self.fields["doctor"].empty_label = "No one: a general queue"
        self.fields["kind"].choices = [
            ("", "Choose the kind of place…") if value == "" else (value, label)
            for value, label in self.fields["kind"].choices
        ]

    def clean_prefix(self) -> str:
        prefix = self.cleaned_data["prefix"].strip().upper()
        if not prefix.isalpha():
            raise forms.ValidationError("Use letters only, e.g. T or LAB.")
        return prefix


class DisplayForm(forms.Form):
    name = forms.CharField(label="Display name", max_length=60, help_text="Where the TV hangs.")
