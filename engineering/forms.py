"""Forms of engineering: a machine's register entry, a status change, a fault report, a stretch
of work, escalating and resolving a work order, a preventive-maintenance plan and its completion,
the downtime overview's period."""

import copy
import functools
from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.models import Department
from engineering.models import (
    FaultRequest,
    Machine,
    MachineStatus,
    MachineStatusChange,
    PartUsed,
    PmCheck,
    Priority,
    WorkLogEntry,
    WorkOrder,
)
from engineering.services import PartLine, StepOutcome
from hms import params
from hms.concurrent_edits import ConcurrentEditForm
from hms.form_renderer import PreparedModelChoiceField
from hms.params import plain_formfield
from hms.prepared import Prepared

# A moment typed day first (hms.params.MomentField), shared with the medication chart's times.
MOMENT_PLACEHOLDER = params.MOMENT_PLACEHOLDER
NOT_A_MOMENT = params.NOT_A_MOMENT
moment_typed = params.moment_typed
MomentField = params.MomentField


class MachineForm(ConcurrentEditForm, forms.ModelForm):
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
    effective_at = MomentField(
        label="Took effect at (for a correction)",
        required=False,
        help_text="Leave empty when it changes now.",
    )

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class FaultRequestForm(forms.Form):
    """A fault report: what is wrong, whether the machine can be used at all, how urgent."""

    description = forms.CharField(
        label="What is wrong?",
        max_length=FaultRequest._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say what is wrong with the machine.",
            "max_length": "At most %(limit_value)d characters (this has %(show_value)d).",
        },
    )
    unusable = forms.TypedChoiceField(
        label="Can the machine still be used?",
        choices=[("no", "Yes, it still works"), ("yes", "No, it is unusable")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
        error_messages={"required": "Say whether the machine can still be used."},
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)

    def answers(self) -> dict:
        return dict(self.cleaned_data)


def _moment_field(label: str) -> MomentField:
    return MomentField(
        label=label, error_messages={"required": f"Enter when the work {label.split()[-1]}."}
    )


PART_ROWS = 3


class WorkLogForm(forms.Form):
    """A stretch of work: what was done, labour, start and end, and up to three parts (name,
    quantity, cost of one)."""

    work_done = forms.CharField(
        label="What was done",
        max_length=WorkLogEntry._meta.get_field("work_done").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say what was done.",
            "max_length": "At most %(limit_value)d characters (this has %(show_value)d).",
        },
    )
    labour_minutes = params.PlainIntegerField(
        label="Labour (minutes)",
        min_value=0,
        max_value=7 * 24 * 60,
        error_messages={"required": "Enter the labour in minutes (0 if none)."},
    )
    started_at = _moment_field("Work started")
    ended_at = _moment_field("Work ended")

    def clean(self):
        data = super().clean()
        # Said with the form's other refusals at once (the service checks it too).
        started, ended = data.get("started_at"), data.get("ended_at")
        if started and ended and ended < started:
            self.add_error("ended_at", "The work ends after it starts.")
        for n in range(1, PART_ROWS + 1):
            name, qty, cost = (f"part_{n}_name", f"part_{n}_qty", f"part_{n}_cost")
            typed = [data.get(name), data.get(qty), data.get(cost)]
            if not any(value not in (None, "") for value in typed) or self.has_error(name):
                continue
            if not data.get(name):
                self.add_error(name, "Name the part (or leave its row empty).")
            if data.get(qty) is None and not self.has_error(qty):
                self.add_error(qty, "How many?")
            if data.get(cost) is None and not self.has_error(cost):
                self.add_error(cost, "The cost of one (0 if free).")
        return data

    def part_rows(self) -> list[tuple]:
        """The part fields row by row, for the template."""
        return [
            (self[f"part_{n}_name"], self[f"part_{n}_qty"], self[f"part_{n}_cost"])
            for n in range(1, PART_ROWS + 1)
        ]

    def answers(self) -> dict:
        data = self.cleaned_data
        parts = [
            PartLine(
                name=data[f"part_{n}_name"],
                quantity=data[f"part_{n}_qty"],
                unit_cost=data[f"part_{n}_cost"],
            )
            for n in range(1, PART_ROWS + 1)
            if data.get(f"part_{n}_name")
        ]
        return {
            "work_done": data["work_done"],
            "labour_minutes": data["labour_minutes"],
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
            "parts": parts,
        }


def _part_fields() -> dict[str, forms.Field]:
    """A WorkLogForm's part rows' fields: a part's name, quantity and cost of one, per row."""
    fields = {}
    for n in range(1, PART_ROWS + 1):
        fields[f"part_{n}_name"] = forms.CharField(
            label=f"Part {n}",
            required=False,
            max_length=PartUsed._meta.get_field("name").max_length,
        )
        fields[f"part_{n}_qty"] = params.PlainIntegerField(
            label="Quantity", required=False, min_value=1, max_value=100_000
        )
        fields[f"part_{n}_cost"] = params.MoneyField(
            label="Cost of one", required=False, min_value=0, max_digits=12
        )
    return fields


# The part rows' fields are the same for every form: made once, after the declared fields (each
# form copies its own, as it copies those), not built on every load of a work order's page.
WorkLogForm.base_fields.update(_part_fields())


class EscalateForm(forms.Form):
    vendor_reference = forms.CharField(
        label="Vendor's reference",
        max_length=WorkOrder._meta.get_field("vendor_reference").max_length,
        help_text="Their ticket or job number.",
        error_messages={"required": "Enter the vendor's reference (their ticket or job number)."},
    )

    def answers(self) -> dict:
        return dict(self.cleaned_data)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="How it was resolved",
        max_length=WorkOrder._meta.get_field("resolution").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say how it was resolved."},
    )

    def answers(self) -> dict:
        return dict(self.cleaned_data)


# --- preventive maintenance ------------------------------------------------------------------


class PmPlanForm(forms.Form):
    """A machine's preventive-maintenance plan: every how many days, and the checklist, one step a
    line."""

    pm_interval_days = params.PlainIntegerField(
        label="Preventive maintenance every (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty for no preventive maintenance.",
    )
    steps = forms.CharField(
        label="Checklist",
        required=False,
        max_length=30 * 202,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One step a line, in the order they are done (at most 30).",
    )

    def answers(self) -> dict:
        return {
            "pm_interval_days": self.cleaned_data["pm_interval_days"],
            "steps": self.cleaned_data["steps"].splitlines(),
        }


# A checklist step's outcome, as the completing engineer picks it.
PASS, FAIL, FAIL_REPORT, FAIL_UNUSABLE = "pass", "fail", "fail_report", "fail_unusable"
STEP_RESULTS = [
    ("", "Choose…"),
    (PASS, "Pass"),
    (FAIL, "Fail"),
    (FAIL_REPORT, "Fail: report a fault"),
    (FAIL_UNUSABLE, "Fail: report it, machine unusable"),
]


class _StepResultField(forms.ChoiceField):
    """A checklist step's result: its options (STEP_RESULTS, fixed pairs of text) shared by every
    copy rather than copied each time, as nothing changes them."""

    def __deepcopy__(self, memo: dict) -> "_StepResultField":
        return forms.Field.__deepcopy__(self, memo)


@functools.lru_cache(maxsize=1024)
def _step_fields(n: int, text: str) -> tuple[forms.ChoiceField, forms.CharField]:
    """Step `n`'s result and note fields (`text` the plan's step), made once per step and copied
    into each form as a form copies its declared fields: building them on every load was about
    a tenth of a work order page's calls."""
    result = _StepResultField(
        label=f"{n}. {text}",
        choices=STEP_RESULTS,
        error_messages={"required": f"Step {n}: passed or failed?"},
    )
    note = forms.CharField(
        label="Note", required=False, max_length=PmCheck._meta.get_field("note").max_length
    )
    return result, note


class PmCompleteForm(forms.Form):
    """Completing a preventive maintenance: each checklist step's outcome and note, and a note on
    the whole."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=WorkOrder._meta.get_field("resolution").max_length - 50,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, checks=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.checks = list(checks)
        for check in self.checks:
            n = check.position
            result, note = _step_fields(n, check.text)
            self.fields[f"step_{n}_result"] = copy.deepcopy(result)
            self.fields[f"step_{n}_note"] = copy.deepcopy(note)

    def clean(self):
        data = super().clean()
        for check in self.checks:
            n = check.position
            result = data.get(f"step_{n}_result")
            failed = result and result != PASS
            unexplained = not (data.get(f"step_{n}_note") or "").strip()
            if failed and unexplained and not self.has_error(f"step_{n}_note"):
                self.add_error(f"step_{n}_note", f"Step {n} failed: say what was wrong.")
        return data

    def step_rows(self) -> list[tuple]:
        return [
            (self[f"step_{c.position}_result"], self[f"step_{c.position}_note"])
            for c in self.checks
        ]

    def answers(self) -> dict:
        data = self.cleaned_data
        outcomes = []
        for check in self.checks:
            n = check.position
            result = data[f"step_{n}_result"]
            outcomes.append(
                StepOutcome(
                    position=n,
                    passed=result == PASS,
                    note=data[f"step_{n}_note"],
                    report_fault=result in (FAIL_REPORT, FAIL_UNUSABLE),
                    unusable=result == FAIL_UNUSABLE,
                )
            )
        return {"outcomes": outcomes, "note": data["note"]}


# --- downtime figures ------------------------------------------------------------------------

# The longest period the overview computes at once.
PERIOD_LIMIT_DAYS = 3 * 366


# The overview's department select, read on every load: compiled once (hms.prepared); its
# options as (id, name) rows, listed for the page (so the select is kept: kept_forms).
_DEPARTMENTS = Prepared(lambda: Department.objects.order_by("name"))
_DEPARTMENT_OPTIONS = Prepared(lambda: Department.objects.order_by("name").values("id", "name"))


class PeriodForm(forms.Form):
    """The overview's period, whole days typed day first (from and to, both included), and a
    department to narrow it to."""

    start = params.DayField(label="From")
    end = params.DayField(label="To (included)")
    department = PreparedModelChoiceField(
        _DEPARTMENTS,
        required=False,
        empty_label="Every department",
        error_messages={"invalid_choice": "Choose a department from the list."},
    )

    def __init__(self, data=None, **kwargs) -> None:
        today = timezone.localdate()
        initial = {"start": today - timedelta(days=29), "end": today}
        if data is not None and not any(data.get(name) for name in ("start", "end")):
            data = data.copy()
            data["start"], data["end"] = (params.day_value(day) for day in initial.values())
        super().__init__(data if data is not None else None, initial=initial, **kwargs)

    def list_departments(self) -> None:
        """Give the department select its options as a list read now (every department by name,
        "Every department" first), as the page shows them, so `|kept_field` keeps its HTML; a
        department sent is still checked against the database."""
        field = self.fields["department"]
        rows = _DEPARTMENT_OPTIONS.values()
        field.choices = [("", field.empty_label)] + [(row["id"], row["name"]) for row in rows]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and start > timezone.localdate():
            self.add_error("start", "The period cannot start in the future.")
        elif start and end and end < start:
            self.add_error("end", "The period ends on or after the day it starts.")
        elif start and end and (end - start).days >= PERIOD_LIMIT_DAYS:
            self.add_error("end", f"At most {PERIOD_LIMIT_DAYS:,} days at a time.")
        return data
