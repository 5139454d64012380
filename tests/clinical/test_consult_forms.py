"""The consultation's blank prescription form is kept (clinical/templatetags/consult_forms.py):
the page shows the HTML the template writes for a new PrescriptionForm, the same on the first
load and the next, per language; a refused form is written out with what was typed."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from clinical.forms import PrescriptionCheckForm, PrescriptionForm
from clinical.templatetags import consult_forms

pytestmark = pytest.mark.django_db

# The form's body as clinical/encounter.html wrote it before the tags (its hidden item field,
# the patient's id and the lines of clinical/_prescription_lines.html).
OLD = (
    '{{ f.formulary_item }}<input type="hidden" name="pick_patient" value="{{ patient_pk }}">\n'
    '{% include "clinical/_prescription_lines.html" %}'
)
NEW = (
    "{% load consult_forms %}{% prescription_item_field f %}"
    '<input type="hidden" name="pick_patient" value="{{ patient_pk }}">\n'
    "{% prescription_lines f stopped check_form %}"
)


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.fixture(autouse=True)
def _nothing_kept():
    consult_forms._BLANK.clear()
    yield
    consult_forms._BLANK.clear()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_blank_form_kept_is_the_one_the_template_writes(language):
    with translation.override(language):
        written = _render(OLD, f=PrescriptionForm(), patient_pk="p-1")

        first = _render(NEW, f=None, patient_pk="p-1", stopped=None, check_form=None)
        again = _render(NEW, f=None, patient_pk="p-1", stopped=None, check_form=None)

    assert first == again == written
    assert 'name="drug"' in written and 'name="route"' in written


def test_a_base_path_is_another_copy():
    with override_settings(FORCE_SCRIPT_NAME="/hms/"):
        from django.urls import set_script_prefix

        set_script_prefix("/hms/")
        try:
            under_path = _render(NEW, f=None, patient_pk=1, stopped=None, check_form=None)
        finally:
            set_script_prefix("/")
    at_root = _render(NEW, f=None, patient_pk=1, stopped=None, check_form=None)

    assert 'hx-get="/hms/' in under_path
    assert 'hx-get="/hms/' not in at_root


def test_a_refused_form_is_written_with_what_was_typed_and_its_reasons():
    typed = {"drug": "<script>alert(1)</script> & co", "dose": "", "route": "oral"}
    refused = PrescriptionForm(typed)
    refused.is_valid()
    checks = PrescriptionCheckForm({"allergy_override_reason": "x"})
    checks.is_valid()

    new = _render(NEW, f=refused, patient_pk=7, stopped=None, check_form=checks)

    assert new == _render(OLD, f=refused, patient_pk=7, stopped=None, check_form=checks)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in new
    assert "Enter the dose, e.g. 1 tablet." in new
    assert not consult_forms._BLANK
