"""Select boxes are written out in Python (hms/form_renderer.py) exactly as Django's own
templates write them: the same HTML, option for option, whatever the choices hold."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from hms.form_renderer import FormRenderer

CHOICES = [
    ("", "Choose…"),
    (1, 'Bed 1 <ICU> & "quoted"'),
    ("Ward A", [(2, "Bed 2"), (3, mark_safe("<b>Bed 3</b>"))]),
    (4, 12345),
]


class Picks(forms.Form):
    bed = forms.ChoiceField(choices=CHOICES, required=False)
    beds = forms.MultipleChoiceField(choices=CHOICES, required=False)
    ward = forms.ChoiceField(
        choices=[("a", "A"), ("b", "B")],
        widget=forms.Select(attrs={"class": "form-select", "data-x": 'a"b', "disabled": True}),
    )


@pytest.mark.parametrize(
    "values",
    [{}, {"bed": "3", "beds": ["1", "4"], "ward": "b"}, {"bed": "<script>"}],
    ids=["blank", "chosen", "odd"],
)
@pytest.mark.parametrize("name", ["bed", "beds", "ward"])
def test_a_select_is_the_html_djangos_templates_write(values, name):
    ours = Picks(values or None, renderer=FormRenderer())
    djangos = Picks(values or None, renderer=DjangoTemplates())

    assert str(ours[name]) == str(djangos[name])
    assert "<option" in str(ours[name])


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
    assert settings.FORM_RENDERER == "hms.form_renderer.FormRenderer"
