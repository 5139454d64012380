"""Forms of the roster, the shifts, the team's day and the monthly report."""

from datetime import time
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Department
from hms import params
from hms.concurrent_edits import ConcurrentEditForm
from hms.prepared import Prepared
from hr.models import Shift


def with_default(query, name: str, value: str):
    """The query's values with `name` filled in when it was not given, so the form shows the
    day, week or month the page shows (a value typed wrong is kept, to be said wrong)."""
    values = query.copy()
    if not values.get(name):
        values[name] = value
    return values


def listed(form: forms.Form, name: str, rows: list) -> None:
    """Give the form's model select `name` the options of `rows`, already read: a page that
    shows the departments or the shifts in two forms (and its grid) reads them once. Only the
    options shown; a value sent is still checked against the database."""
    field = form.fields[name]
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = empty + [(row.pk, field.label_from_instance(row)) for row in rows]


def _department_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="Every department"
    )


class TeamDayForm(forms.Form):
    # Dates typed day first and held to params.FIRST_DAY..LAST_DAY, as everywhere (a year 9999
    # would overflow the day after it): one out of range is said beside the box and the page
    # shows today.
    day = params.DayField(label="Day", required=False, what="day")
    department = _department_field()

    def chosen_day(self):
        self.is_valid()
        return self.cleaned_data.get("day") or timezone.localdate()


class RosterWeekForm(forms.Form):
    week = params.DayField(label="Week of", required=False, what="day")
    department = _department_field()


class MonthField(forms.DateField):
    """A month (its first day), as the month box sends it (2026-11) or typed (11/2026, Nov
    2026); a month outside params.FIRST_DAY..LAST_DAY is refused (9999-12 would overflow its
    last day's morrow)."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%m/%Y", "%m-%Y", "%b %Y", "%B %Y"]
    default_error_messages = {"invalid": "Choose a month, for example 2026-11."}

    def to_python(self, value):
        month = super().to_python(value.strip() if isinstance(value, str) else value)
        if month is not None and not params.FIRST_DAY <= month <= params.LAST_DAY:
            raise ValidationError(params.DAY_OUT_OF_RANGE, code="out_of_range")
        return month


class MonthForm(forms.Form):
    month = MonthField(label="Month", required=False)
    department = _department_field()


class ShiftForm(ConcurrentEditForm, forms.Form):
    name = forms.CharField(max_length=40)
    starts_at = forms.TimeField(
        label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label="Ends",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="An end before the start ends the next morning (night 19:00 to 07:00).",
    )


class RosterCellForm(forms.Form):
    user = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    day = params.DayField()
    shift = forms.ModelChoiceField(queryset=Shift.objects.all(), required=False)


class DepartmentRangeForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.all(), empty_label=None)
    shift = forms.ModelChoiceField(queryset=Shift.objects.all(), empty_label=None)
    first = params.DayField(label="From", what="first day")
    last = params.DayField(label="To (inclusive)", what="last day")


class CopyWeekForm(forms.Form):
    week = params.DayField()
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)


class ListedShift(NamedTuple):
    """A shift as the roster's selects list it, read as plain values: its id, its name (the
    grid's options) and, as str(), the Shift's own words ("Night 19:00–07:00", the range
    form's options)."""

    pk: int
    name: str
    starts_at: time
    ends_at: time

    def __str__(self) -> str:
        return Shift.__str__(self)  # type: ignore[arg-type] (the fields it reads)


class ListedDepartment(NamedTuple):
    """A department as a select lists it, read as plain values; str() as a Department's."""

    pk: int
    name: str

    def __str__(self) -> str:
        return Department.__str__(self)  # type: ignore[arg-type] (the fields it reads)


# Every shift and department, for the roster's grid and selects: compiled once (hms.prepared).
_SHIFTS = Prepared(lambda: Shift.objects.values("pk", "name", "starts_at", "ends_at"))
_DEPARTMENTS = Prepared(lambda: Department.objects.values("pk", "name"))


def _departments() -> list[ListedDepartment]:
    return [ListedDepartment(row["pk"], row["name"]) for row in _DEPARTMENTS.values()]


def departments_listed(form: forms.Form) -> None:
    """Give the form's department select every department, read as plain values by a query
    compiled once (the select's own iterator built its query and instances each time), as the
    list its kept HTML is keyed on (hms.templatetags.kept_forms). Only the options shown; a value
    sent is still checked against the database."""
    listed(form, "department", _departments())


def range_form_sharing_options(
    week_form: RosterWeekForm, *, department: Department | None, first, last
) -> tuple[list[Shift], DepartmentRangeForm]:
    """The roster page's "department on a shift" form, and the shifts its grid offers: the
    departments and shifts read once for the grid and both forms' selects (a posted choice is
    still checked against the database). Returns (shifts as ListedShifts, the range form)."""
    shifts = [
        ListedShift(row["pk"], row["name"], row["starts_at"], row["ends_at"])
        for row in _SHIFTS.values()
    ]
    departments = _departments()
    range_form = DepartmentRangeForm(
        initial={"department": department, "first": first, "last": last}
    )
    listed(week_form, "department", departments)
    listed(range_form, "department", departments)
    listed(range_form, "shift", shifts)
    return shifts, range_form
