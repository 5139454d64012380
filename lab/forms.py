"""Forms of the lab: ordering, cancelling, amending, and the catalogue."""

from django import forms

from billing.models import ChargeItem
from lab.models import LabTest, Priority, ReferenceRange, ResultField


class TestChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: LabTest) -> str:
        extra = f" · {obj.get_machine_type_display()}" if obj.machine_type else ""
        return f"{obj.name} ({obj.code}){extra} · KES {obj.charge_item.price}"


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tests"].queryset = (
            LabTest.objects.filter(active=True)
            .select_related("charge_item")
            .order_by("kind", "department", "name")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, error_messages={"required": "Give the reason."})


class LabTestForm(forms.ModelForm):
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
    class Meta:
        model = ResultField
        fields = ["name", "unit", "numeric", "position"]
        labels = {"numeric": "Numeric (has reference ranges)"}


class ReferenceRangeForm(forms.ModelForm):
    class Meta:
        model = ReferenceRange
        fields = [
            "field",
            "sex",
            "age_from",
            "age_to",
            "low",
            "high",
            "critical_low",
            "critical_high",
        ]
        labels = {"age_from": "Age from (years)", "age_to": "Age below (years)"}

    def __init__(self, *args, test: LabTest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = test.fields.filter(numeric=True)

    def clean(self):
        data = super().clean()
        low, high = data.get("low"), data.get("high")
        if low is not None and high is not None and low > high:
            self.add_error("high", "The upper limit must not be below the lower one.")
        age_from, age_to = data.get("age_from"), data.get("age_to")
        if age_to is not None and age_from is not None and age_to <= age_from:
            self.add_error("age_to", "The age band must end after it starts.")
        return data
