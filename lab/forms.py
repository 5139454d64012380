"""Forms of the lab: ordering, cancelling, amending, and the catalogue."""

from django import forms

from billing.models import ChargeItem
from hms.concurrent_edits import ConcurrentEditForm
from hms.money import money_text
from hms.params import PlainIntegerField, plain_formfield
from lab.models import (
    DAYS_PER_YEAR,
    LabTest,
    Priority,
    ReferenceRange,
    ResultField,
    age_to_range_days,
)


class TestChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: LabTest) -> str:
        extra = f" · {obj.get_machine_type_display()}" if obj.machine_type else ""
        return f"{obj.name} ({obj.code}){extra} · {money_text(obj.charge_item.price)}"


class OrderForm(forms.Form):
    tests = TestChoiceField(
        queryset=LabTest.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one test."},
    )
    priority = forms.ChoiceField(
        choices=Priority.choices, initial=Priority.ROUTINE, widget=forms.RadioSelect
    )
    clinical_notes = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the lab should know: suspected diagnosis, fasting, medication.",
    )
    # Offered with the refusal of an imaging test whose machines are all down.
    when_machine_back = forms.BooleanField(
        required=False, label="Order it anyway, to be done when the machine is back"
    )
    machine_wait_reason = forms.CharField(
        label="Why order it now",
        required=False,
        max_length=200,
        widget=forms.TextInput(),
        help_text="e.g. needed before Friday's surgical review; the lab sees this on its worklist.",
        error_messages={
            "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tests"].queryset = (
            LabTest.objects.filter(active=True)
            .select_related("charge_item")
            .order_by("kind", "department", "name")
        )


class ReasonForm(forms.Form):
    """Why a test is cancelled: required, and refused (never cut) when too long."""

    reason = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Give the reason for cancelling the test.",
            "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )


class LabTestForm(ConcurrentEditForm, forms.ModelForm):
    formfield_callback = plain_formfield

    class Meta:
        model = LabTest
        fields = [
            "code",
            "name",
            "kind",
            "department",
            "sample_type",
            "machine_type",
            "charge_item",
            "turnaround_minutes",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charge_item"].queryset = ChargeItem.objects.filter(
            category__in=["lab", "machine"]
        ).order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("kind") == "imaging" and not data.get("machine_type"):
            self.add_error("machine_type", "An imaging test names its machine type.")
        if data.get("kind") == "lab":
            data["machine_type"] = ""
        return data


class ResultFieldForm(forms.ModelForm):
    formfield_callback = plain_formfield

    class Meta:
        model = ResultField
        fields = ["name", "unit", "numeric", "position", "possible_low", "possible_high"]
        labels = {"numeric": "Numeric (has reference ranges)"}

    def clean(self):
        data = super().clean()
        low, high = data.get("possible_low"), data.get("possible_high")
        if low is not None and high is not None and low >= high:
            self.add_error("possible_high", "The highest possible value is above the lowest.")
        return data


AGE_UNIT_CHOICES = [("days", "days"), ("months", "months"), ("years", "years")]
# The oldest age a band may name, per unit (130 years, as patient registration allows).
OLDEST = {"days": 130 * DAYS_PER_YEAR, "months": 130 * 12, "years": 130}


class ReferenceRangeForm(forms.ModelForm):
    """A reference range with its age band entered as a number and a unit (stored in days: see
    lab.models.DAYS_PER_YEAR), e.g. newborns 0 days to 29 days, adults from 18 years."""

    formfield_callback = plain_formfield
    age_from = PlainIntegerField(label="Age from", min_value=0, initial=0)
    age_from_unit = forms.ChoiceField(label="unit", choices=AGE_UNIT_CHOICES, initial="years")
    age_to = PlainIntegerField(
        label="Age below",
        min_value=1,
        required=False,
        help_text="Empty: no upper age.",
    )
    age_to_unit = forms.ChoiceField(label="unit", choices=AGE_UNIT_CHOICES, initial="years")

    class Meta:
        model = ReferenceRange
        fields = ["field", "sex", "low", "high", "critical_low", "critical_high"]

    def __init__(self, *args, test: LabTest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = test.fields.filter(numeric=True)

    def _days(self, name: str) -> int | None:
        count, unit = self.cleaned_data.get(name), self.cleaned_data.get(f"{name}_unit")
        if count is None or unit is None:
            return None
        if count > OLDEST[unit]:
            self.add_error(name, f"At most {OLDEST[unit]:,} {unit}.")
            return None
        return age_to_range_days(count, unit)

    def clean(self):
        data = super().clean()
        low, high = data.get("low"), data.get("high")
        if low is not None and high is not None and low > high:
            self.add_error("high", "The upper limit must not be below the lower one.")
        age_from, age_to = self._days("age_from"), self._days("age_to")
        if age_to is not None and age_from is not None and age_to <= age_from:
            self.add_error("age_to", "The age band must end after it starts.")
        if age_from is not None:
            self.instance.age_from_days = age_from
        self.instance.age_to_days = age_to
        return data


class CriticalCallForm(forms.Form):
    """The critical-value telephone call: who, at what time (today, hospital time; a time later
    than now is yesterday's, a call recorded after midnight, which the service refuses when the
    result was entered after it), and whether the values were read back."""

    called_person = forms.CharField(
        label="Person called (name, role, where)",
        max_length=120,
        error_messages={"required": "Name the person called."},
    )
    called_time = forms.TimeField(
        label="Called at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Give the time of the call.",
            "invalid": "Type a time like 14:05.",
        },
    )
    read_back = forms.TypedChoiceField(
        label="Values read back",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the values were read back."},
    )

    def called_at(self):
        """The call's moment, aware, from the typed time."""
        from datetime import datetime, timedelta

        from django.utils import timezone

        now = timezone.localtime()
        moment = timezone.make_aware(datetime.combine(now.date(), self.cleaned_data["called_time"]))
        if moment > now + timedelta(minutes=1):
            moment -= timedelta(days=1)
        return moment
