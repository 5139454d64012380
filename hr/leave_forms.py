"""Forms of leave: applying, deciding, a leave type's rules and days, a closure day, the
balance sheet's year and the "who is away" strip's start and department."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from accounts.models import Department
from hms import params, rbac
from hms.concurrent_edits import ConcurrentEditForm
from hr.models import LeaveType

ROLE_LABELS = dict(rbac.ROLE_CHOICES)
# Roles that earn leave: every staff role (the administrator's account included: an
# administrator may also be on the payroll).
ENTITLED_ROLES = list(rbac.STAFF_ROLES)


class LeaveApplyForm(forms.Form):
    leave_type = forms.ModelChoiceField(
        queryset=LeaveType.objects.filter(active=True), label="Type of leave", empty_label=None
    )
    start_date = params.DayField(label="First day")
    starts_afternoon = forms.BooleanField(
        required=False, label="Start in the afternoon (the morning is worked)"
    )
    end_date = params.DayField(label="Last day")
    ends_morning = forms.BooleanField(
        required=False, label="End at midday (the afternoon is worked)"
    )
    reason = forms.CharField(
        required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(
        required=False,
        label="Document (sick note, letter)",
        help_text="A PDF, or a photo (JPEG or PNG), up to 10 MB.",
    )


class LeavePreviewForm(LeaveApplyForm):
    """The same fields, read while they are typed: nothing is required yet."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Do not approve")])
    comment = forms.CharField(
        required=False,
        max_length=300,
        label="Comment to the person (needed when not approving)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    patients_moved_knowingly = forms.BooleanField(
        required=False,
        label="I know patients are booked on these days; reception will move them",
    )


class LeaveTypeForm(ConcurrentEditForm, forms.ModelForm):
    class Meta:
        model = LeaveType
        formfield_callback = params.plain_formfield
        fields = [
            "name",
            "counts",
            "carry_over_limit",
            "document_after_days",
            "full_pay_days",
            "unpaid",
            "active",
        ]
        error_messages = {"name": {"unique": "Another leave type already has this name."}}

    def __init__(self, *args, entitlements: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A day count is 0 to 366: a negative one would refuse every request (a document
        # "beyond -3 days"), and the database's own check would otherwise be all that is said.
        for name in ("carry_over_limit", "document_after_days", "full_pay_days"):
            self.fields[name].validators += [
                MinValueValidator(0, "Enter 0 or more days."),
                MaxValueValidator(366, "Enter at most 366 days."),
            ]
            self.fields[name].widget.attrs["min"] = "0"
        entitlements = entitlements or {}
        for role in ENTITLED_ROLES:
            self.fields[f"days_{role}"] = params.PlainDecimalField(
                label=ROLE_LABELS[role],
                min_value=0,
                max_value=366,
                max_digits=4,
                decimal_places=1,
                initial=entitlements.get(role, 0),
            )

    def entitlement_fields(self) -> list:
        return [self[f"days_{role}"] for role in ENTITLED_ROLES]

    def entitlements(self) -> dict:
        return {role: self.cleaned_data[f"days_{role}"] for role in ENTITLED_ROLES}


class ClosureDayForm(forms.Form):
    date = params.DayField(label="Day")
    name = forms.CharField(max_length=80, label="What it is (e.g. Staff retreat)")


class YearForm(forms.Form):
    year = params.PlainIntegerField(required=False, min_value=2000, max_value=2100)
    q = forms.CharField(required=False, max_length=80, label="Name")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def year_or_this(self) -> int:
        if self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return timezone.localdate().year


class AwayForm(forms.Form):
    start = params.DayField(required=False, label="From")
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="All departments"
    )
