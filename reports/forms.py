"""Filters of the audit log viewer."""

from django import forms

from hms.params import DayField


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=64, help_text="e.g. auth.login, user.")
    actor = forms.CharField(required=False, max_length=150, label="User")
    patient_id = forms.CharField(required=False, max_length=64, label="Patient id")
    date_from = DayField(required=False)
    date_to = DayField(required=False)
    # The entries about one record (a user's page links to its whole history).
    object_type = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    object_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
