"""Filters of the audit log viewer."""

from datetime import date

from django import forms

from clinical.models import Patient
from hms import params, rbac
from hms.models import AuditEntry
from hms.params import DayField, PlainIntegerField
from reports.audit_selectors import made_by


def _shown(typed: str) -> str:
    return typed if len(typed) <= 40 else f"{typed[:40]}…"


class AuditFilterForm(forms.Form):
    """The viewer's filters, all optional; read from the query string (GET), so a bad value is
    shown beside its field with what was typed and the list is not filtered by it.

    cleaned_data: `patient` is the patient's id as the log stores it (text) whether a patient id
    or an MRN was typed; `date_from`/`date_to` are the hospital's calendar days (settings
    .TIME_ZONE, Africa/Nairobi), not UTC dates."""

    entry = PlainIntegerField(required=False, min_value=1, label="Entry #")
    actor = forms.CharField(required=False, max_length=150, label="User")
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *rbac.ROLE_CHOICES])
    action = forms.CharField(
        required=False, max_length=64, help_text="Starts with, e.g. auth.login or patient."
    )
    patient = forms.CharField(
        required=False, max_length=64, label="Patient", help_text="MRN or patient id."
    )
    object_type = forms.CharField(
        required=False, max_length=100, label="Record type", help_text="e.g. billing.Invoice"
    )
    object_id = forms.CharField(required=False, max_length=64, label="Record id")
    date_from = DayField(required=False, what="first day", label="From")
    date_to = DayField(required=False, what="last day", label="To")

    # A user, an action or a record type the log has never seen empties the list without
    # saying which box did it: refused instead, by name, and the other filters still apply.

    def clean_actor(self) -> str:
        typed = self.cleaned_data["actor"].strip()
        if typed and not AuditEntry.objects.filter(made_by(typed)).exists():
            raise forms.ValidationError(
                f"No entry in the log was made by a user whose name holds “{_shown(typed)}”."
            )
        return typed

    def clean_action(self) -> str:
        typed = self.cleaned_data["action"].strip()
        if typed and not AuditEntry.objects.filter(action__startswith=typed).exists():
            raise forms.ValidationError(
                f"No entry in the log has an action starting with “{_shown(typed)}”;"
                " e.g. auth.login, patient.view_chart."
            )
        return typed

    def clean_object_type(self) -> str:
        typed = self.cleaned_data["object_type"].strip()
        if typed and not AuditEntry.objects.filter(object_type=typed).exists():
            raise forms.ValidationError(
                f"No entry in the log is about a record of type “{_shown(typed)}”; write it as"
                " app.Model, e.g. billing.Invoice."
            )
        return typed

    def clean_object_id(self) -> str:
        return self.cleaned_data["object_id"].strip()

    def clean_patient(self) -> str:
        typed = self.cleaned_data["patient"].strip()
        if not typed:
            return ""
        patient_id = params.uuid_param(typed)
        if patient_id is not None:
            return str(patient_id)
        found = Patient.objects.filter(mrn__iexact=typed).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(f"No patient has the MRN “{typed[:20]}”.")
        return str(found)

    def clean(self):
        cleaned = super().clean()
        first: date | None = cleaned.get("date_from")
        last: date | None = cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", "The last day comes before the first.")
        if cleaned.get("object_id") and not cleaned.get("object_type"):
            self.add_error("object_type", "Name the record type of this id, e.g. billing.Invoice.")
        return cleaned
