"""Forms of engineering: a machine's register entry, a status change."""

from django import forms

from engineering.models import Machine, MachineStatus, MachineStatusChange
from hms import params
from hms.params import plain_formfield


class MachineForm(forms.ModelForm):
    """A machine's register entry (its status changes on its own form, with a reason)."""

    class Meta:
        model = Machine
        # Numbers in plain digits, dates typed day first (also for the form built on this one).
        formfield_callback = plain_formfield
        fields = [
            "name",
            "asset_tag",
            "machine_type",
            "department",
            "criticality",
            "manufacturer",
            "model_name",
            "serial_number",
            "installed_date",
            "warranty_end_date",
            "last_serviced_date",
            "pm_interval_days",
            "service_vendor",
            "vendor_contact",
        ]
        help_texts = {"asset_tag": "As on the machine's label, e.g. ENG-0042."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = self.fields["department"].queryset.order_by("name")

    def validate_unique(self) -> None:
        """The service says whose tag it is (a model form would say only "already exists")."""

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class MachineRegisterForm(MachineForm):
    """A new machine: its register entry and the status it enters the register with."""

    status = forms.ChoiceField(choices=MachineStatus.choices, initial=MachineStatus.OPERATIONAL)


class StatusChangeForm(forms.Form):
    """A status change: the new status, why, and (for a back-dated correction) when it took
    effect."""

    to_status = forms.ChoiceField(label="New status", choices=MachineStatus.choices)
    reason = forms.CharField(
        max_length=MachineStatusChange._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d).",
            "required": "Say why the status changes.",
        },
    )
    effective_at = forms.CharField(
        label="Took effect at (for a correction)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty when it changes now.",
    )

    def clean_effective_at(self):
        typed = self.cleaned_data["effective_at"].strip()
        if not typed:
            return None
        moment = params.local_datetime(typed)
        if moment is None:
            raise forms.ValidationError("Enter a date and time, e.g. 2026-12-05 08:30.")
        return moment

    def answers(self) -> dict:
        return dict(self.cleaned_data)
