"""Two people editing one record at once: neither silently undoes the other (optimistic
concurrency, field by field).

An edit form that mixes in `ConcurrentEditForm` carries, in a hidden field `opened_as`, each of
its fields as the form showed it when it was opened (signed, so it cannot be forged into a
"nobody changed it"). When it comes back, each field is compared three ways: as it was shown,
as the person sent it, and as the record holds it now (the form is built from the record as it
is now).

- Changed by someone else only: the record's new value is kept (the form's data takes it
  before it is checked), and `merged` names the field.
- Changed by both, to different values: the form is refused beside that field, saying what it
  holds now; what the person typed stays in the field, so saving again keeps theirs knowingly.
- Changed by this person only, or by both to the same value: saved as usual.

A refused form is drawn again with `opened_as` set to the record as it is now, so the second
save compares against what the person has just been shown. A form sent without `opened_as` (or
with one that does not verify) is checked as before, without the comparison.

The template draws the hidden field: `{{ form.opened_as }}` inside the <form>.
"""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

OPENED_AS = "opened_as"
_SALT = "hms.concurrent_edits"


class ConcurrentEditForm:
    """Mixin for a Form or ModelForm whose initial values are the record as it is now (put it
    before the form class: `class PatientForm(ConcurrentEditForm, forms.ModelForm)`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[OPENED_AS] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=self._opened_token
        )
        self.merged: list[str] = []

    # --- what a field shows ---------------------------------------------------------------

    def _compared(self) -> list[str]:
        return [name for name in self.fields if name != OPENED_AS]

    def _shown(self, name: str):
        """The field's value as the form draws it from the record now (a string, a list of
        strings for a multiple choice, a bool for a checkbox)."""
        field = self.fields[name]
        value = field.prepare_value(self.get_initial_for_field(field, name))
        if isinstance(field.widget, forms.CheckboxInput):
            return bool(value)
        shown = field.widget.format_value(value)
        if isinstance(shown, list | tuple):  # a choice widget: its selected values
            if getattr(field.widget, "allow_multiple_selected", False):
                return [str(item) for item in shown]
            return str(shown[0]) if shown else ""
        return "" if shown is None else str(shown)

    def _snapshot(self) -> dict:
        return {name: self._shown(name) for name in self._compared()}

    def _opened_token(self) -> str:
        return signing.dumps(self._snapshot(), salt=_SALT, compress=True)

    # --- the comparison, before the form is checked ----------------------------------------

    def full_clean(self) -> None:
        if self.is_bound and not hasattr(self, "_concurrent_checked"):
            self._concurrent_checked = True
            self._compare_with_now()
        super().full_clean()

    def _compare_with_now(self) -> None:
        try:
            opened = signing.loads(self.data.get(self.add_prefix(OPENED_AS), ""), salt=_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            return
        if not isinstance(opened, dict):
            return
        now = self._snapshot()
        self.data = self.data.copy()
        self._conflicts: dict[str, str] = {}
        for name, shown_now in now.items():
            if name not in opened or opened[name] == shown_now:
                continue  # nobody else changed it
            if not self._sent_differs(name, opened[name]):
                self._take(name, shown_now)
                self.merged.append(name)
            elif self._sent_differs(name, shown_now):
                self._conflicts[name] = _display(self.fields[name], shown_now)
        self.data[self.add_prefix(OPENED_AS)] = signing.dumps(now, salt=_SALT, compress=True)

    def _sent_differs(self, name: str, shown) -> bool:
        """Whether what was sent for `name` differs from `shown` (a value as `_shown` gives)."""
        field = self[name].field
        sent = self[name].data
        if isinstance(field.widget, forms.CheckboxInput):
            return bool(field.to_python(sent)) != bool(shown)
        try:
            initial = shown if isinstance(field, forms.ModelChoiceField) else field.to_python(shown)
        except ValidationError:
            return True
        return field.has_changed(initial, sent)

    def _take(self, name: str, shown_now) -> None:
        key = self.add_prefix(name)
        if isinstance(self.fields[name].widget, forms.CheckboxInput):
            if shown_now:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        elif isinstance(shown_now, list):
            self.data.setlist(key, shown_now)
        else:
            self.data[key] = shown_now

    def _post_clean(self) -> None:
        super()._post_clean()
        self.cleaned_data.pop(OPENED_AS, None)  # the form's own: no service takes it
        for name, now in getattr(self, "_conflicts", {}).items():
            self.add_error(
                name,
                f"Someone else changed this while you had the form open: it now says “{now}”."
                " Your entry is kept here: save again to keep yours.",
            )


def _display(field: forms.Field, shown) -> str:
    """A shown value as a person reads it: a choice's label, "(empty)" for nothing."""
    if isinstance(shown, bool):
        return "ticked" if shown else "not ticked"
    if isinstance(shown, list):
        return ", ".join(_display(field, item) for item in shown) or "(empty)"
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        for value, label in choices:
            if str(value) == shown and not isinstance(label, list | tuple):
                return str(label)
    if isinstance(field, forms.ModelChoiceField) and shown:
        try:
            return str(field.to_python(shown))
        except ValidationError:
            return shown
    return shown or "(empty)"


def merged_note(form) -> str:
    """ " Kept as someone else saved it meanwhile: phone, address." for a saved form whose fields
    took another person's newer values (`ConcurrentEditForm.merged`), else ""."""
    names = [str(form.fields[name].label or name).lower() for name in getattr(form, "merged", [])]
    return f" Kept as someone else saved it meanwhile: {', '.join(names)}." if names else ""
