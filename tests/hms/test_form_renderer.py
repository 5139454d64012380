"""Select boxes, inputs and text areas are written out in Python (hms/form_renderer.py) exactly
as Django's own templates write them: the same HTML, whatever the values hold."""

from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

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


class Typed(forms.Form):
    name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"class": "form-control"}))
    age = forms.IntegerField(min_value=0, required=False)
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(required=False)
    at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    when = forms.TimeField(required=False)
    site = forms.URLField(required=False, assume_scheme="https")
    phone = forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    scan = forms.FileField(required=False)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"name": 'Achieng "A" <O\'Neill> & co', "age": "7", "agree": "on", "notes": "a\n<b>"},
        {"age": "x", "day": "31/02/2026", "email": "not-mail", "secret": "p<w>"},
    ],
    ids=["blank", "typed", "odd"],
)
@pytest.mark.parametrize("name", list(Typed.base_fields))
def test_an_input_or_text_area_is_the_html_djangos_templates_write(values, name):
    ours = Typed(values or None, renderer=FormRenderer(), initial={"token": "t<1>"})
    djangos = Typed(values or None, renderer=DjangoTemplates(), initial={"token": "t<1>"})

    assert str(ours[name]) == str(djangos[name])


class WardPick(forms.Form):
    ward = forms.ModelChoiceField(queryset=None, required=False)
    wards = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from wards.models import Ward

        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = Ward.objects.order_by("name")
        self.fields["wards"].queryset = Ward.objects.order_by("name")


@pytest.mark.django_db
def test_a_model_select_reads_its_options_with_one_plain_query(django_assert_num_queries):
    """No server-side cursor (DECLARE, FETCH, FETCH, CLOSE on PostgreSQL) for a select's few
    rows: one SELECT per select box, and the options Django would list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wards.models import Ward

    for name in ["Maternity", "Amani ward"]:
        Ward.objects.create(name=name, kind="general", charge_code="WARD-GEN")
    maternity = Ward.objects.get(name="Maternity")
    form = WardPick(initial={"ward": maternity.pk})
    with CaptureQueriesContext(connection) as queries:
        html = str(form["ward"]) + str(form["wards"])

    assert len(queries.captured_queries) == 2
    assert not any("DECLARE" in query["sql"] for query in queries.captured_queries)
    assert html.index("Amani ward") < html.index("Maternity")
    assert '" selected>Maternity</option>' in html
    chosen = WardPick({"ward": str(maternity.pk), "wards": [str(maternity.pk)]})
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["ward"] == maternity
    assert list(chosen.cleaned_data["wards"]) == [maternity]


def test_a_blank_choice_asks_to_choose_instead_of_a_line_of_dashes(db):
    """Django's blank choice ("---------") of an optional model select, and of a model field's
    choices without a blank of their own."""
    from accounts.models import User

    class Pick(forms.Form):
        person = forms.ModelChoiceField(queryset=User.objects.all(), required=False)
        role = forms.ChoiceField(choices=[("", "---------"), ("nurse", "Nurse")], required=False)

    for name in ("person", "role"):
        html = str(Pick(renderer=FormRenderer())[name])

        assert '<option value="" selected>Choose…</option>' in html
        assert "---------" not in html


@pytest.mark.django_db
def test_a_model_select_given_the_rows_read_lists_them_without_a_query(django_assert_num_queries):
    """A page that read a select's rows already (`options_read`) does not read them again to
    draw the options; what is posted is still checked in the database."""
    from hms.form_renderer import options_read
    from wards.models import Ward

    for name in ["Maternity", "Amani ward"]:
        Ward.objects.create(name=name, kind="general", charge_code="WARD-GEN")
    rows = list(Ward.objects.order_by("name"))
    form = WardPick()
    options_read(form.fields["ward"], rows)

    with django_assert_num_queries(0):
        html = str(form["ward"])
    chosen = WardPick({"ward": str(rows[1].pk), "wards": []})
    options_read(chosen.fields["ward"], rows[:1])
    with django_assert_num_queries(1):
        valid = chosen.is_valid()

    assert html.index("Amani ward") < html.index("Maternity")
    assert valid and chosen.cleaned_data["ward"] == rows[1]


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "<script>alert('x')</script> & \"quoted\"",
        mark_safe("<b>already safe</b> &amp;"),
        gettext_lazy("Choose…"),
        format_lazy("{} & {}", "<a>", "b"),
        7,
        Decimal("12.50"),
        None,
        "",
    ],
)
def test_escaped_is_djangos_conditional_escape(value):
    from django.utils.html import conditional_escape

    from hms.form_renderer import escaped

    assert escaped(value) == conditional_escape(value)
