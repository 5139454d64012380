"""`|crispy` and `|as_crispy_field` (hms/templatetags/form_fields.py) write exactly the HTML
crispy-bootstrap5 writes: every field of every form of the project, and the forms whole, unbound,
bound with nothing typed (the required errors) and bound with values, compared with crispy's own
filters character for character (whitespace included: no normalising). The builtins are what
the templates use.
"""

import importlib
import importlib.util
import inspect
from collections.abc import Callable

import pytest
from allauth.account import forms as allauth_forms
from allauth.core import context as allauth_context
from crispy_forms.helper import FormHelper
from crispy_forms.templatetags import crispy_forms_filters as crispys
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.template import engines
from django.template.base import VariableNode
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from clinical.forms import MergeForm, SecondPersonForm
from hms.templatetags import form_fields
from lab.forms import OrderForm, ReferenceRangeForm
from tests.factories import (
    BedFactory,
    ChargeItemFactory,
    DoctorFactory,
    LabTestFactory,
    PatientFactory,
    UserFactory,
)


def _project_forms() -> list[type[forms.BaseForm]]:
    """The Form and ModelForm classes each app's forms module defines."""
    found = []
    for app in settings.PROJECT_APPS:
        if importlib.util.find_spec(f"{app}.forms") is None:
            continue
        module = importlib.import_module(f"{app}.forms")
        found += [
            member
            for _, member in inspect.getmembers(module, inspect.isclass)
            if issubclass(member, forms.BaseForm) and member.__module__ == module.__name__
        ]
    return found


def _name(form_class: type) -> str:
    return f"{form_class.__module__}.{form_class.__name__}"


# allauth's forms, which templates/account/ renders with |crispy.
ALLAUTH_FORMS = [
    allauth_forms.LoginForm,
    allauth_forms.ResetPasswordForm,
    allauth_forms.ReauthenticateForm,
    allauth_forms.ResetPasswordKeyForm,
    allauth_forms.ChangePasswordForm,
]


def _lab_test_arguments() -> dict:
    test = LabTestFactory(fields=["Haemoglobin"])
    test.fields.update(numeric=True)
    return {"test": test}


# What a constructor needs besides the data (made inside the test: some are rows).
ARGUMENTS: dict[type, Callable[[], dict]] = {
    allauth_forms.LoginForm: lambda: {"request": allauth_context.request},
    ReferenceRangeForm: _lab_test_arguments,
    allauth_forms.ReauthenticateForm: lambda: {"user": UserFactory()},
    allauth_forms.ResetPasswordKeyForm: lambda: {"user": UserFactory(), "temp_key": "key"},
    allauth_forms.ChangePasswordForm: lambda: {"user": UserFactory()},
    # The second person's password is checked against the sign-in limit, kept per request.
    MergeForm: lambda: {
        "first": PatientFactory(),
        "second": PatientFactory(),
        "request": allauth_context.request,
    },
    SecondPersonForm: lambda: {"request": allauth_context.request},
}
# Forms whose constructor needs what this test cannot give, and why. None so far: a new form
# that needs arguments fails below until it is given them in ARGUMENTS or listed here.
SKIPPED: dict[type, str] = {}
# A form rendered another way too: its constructor's options change its fields.
VARIANTS: list[tuple[str, dict]] = [
    ("accounts.forms.TokenForm", {"ask_password": True}),
    ("clinical.forms.PatientForm", {"clinical": False}),
    ("clinical.forms.SecondPersonForm", {"needs_second_person": False}),
]
# Widgets crispy renders with templates of their own, which form_fields leaves to crispy (a
# plain radio list it writes out too): HMS writes this field out itself (lab/order_new.html).
LEFT_TO_CRISPY = {
    ("lab.forms.OrderForm", "tests"): forms.CheckboxSelectMultiple,
}

FORMS = [form for form in _project_forms() + ALLAUTH_FORMS if form not in SKIPPED]
CASES = [(form, {}) for form in FORMS] + [
    (next(form for form in FORMS if _name(form) == name), options) for name, options in VARIANTS
]


def _filled(form: forms.BaseForm) -> dict:
    """Posted values for every field: a choice where there are choices, a tick, else "1" (which
    some fields refuse: their errors show beside a value)."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field.widget, forms.CheckboxInput):
            data[key] = "on"
        elif hasattr(field, "choices"):
            chosen = [str(value) for value, _label in field.choices if value != ""][-1:]
            data[key] = chosen if isinstance(field, forms.MultipleChoiceField) else "".join(chosen)
        else:
            data[key] = "1"
    return data


@pytest.fixture
def hospital(db):
    """Rows the selects offer (a doctor, a vacant bed, a nursing charge item), and the request
    allauth's forms check a password against (its rate limits need one)."""
    DoctorFactory(first_name="Amina", last_name="O'Neil <MD>")
    BedFactory()
    ChargeItemFactory(code="NURS-X", name="Dressing & care", category="nursing")
    request = RequestFactory().post("/accounts/login/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    with allauth_context.request_context(request):
        yield


def _compare(make: Callable[[], forms.BaseForm]) -> list[str]:
    """Which renderings differ from crispy's: each field, then the form. Each side renders a
    form of its own (crispy writes its classes into the widgets' attrs as it renders)."""
    ours, theirs = make(), make()
    different = [
        name
        for name in ours.fields
        if form_fields.as_crispy_field(ours[name]) != crispys.as_crispy_field(theirs[name])
    ]
    ours, theirs = make(), make()
    if form_fields.as_crispy_form(ours) != crispys.as_crispy_form(theirs):
        different.append("|crispy")
    return different


@pytest.mark.parametrize("state", ["unbound", "empty", "filled"])
@pytest.mark.parametrize(
    ("form_class", "options"),
    CASES,
    ids=[
        _name(form) + "".join(f"-{key}={value}" for key, value in options.items())
        for form, options in CASES
    ],
)
def test_every_form_is_the_html_crispy_writes(hospital, form_class, options, state):
    arguments = {**ARGUMENTS.get(form_class, dict)(), **options}
    data = {
        "unbound": None,
        "empty": {},
        "filled": _filled(form_class(**arguments)),
    }[state]

    different = _compare(lambda: form_class(data=data, **arguments))

    assert different == []


def test_crispy_renders_only_the_fields_hms_writes_out_itself(hospital, monkeypatch):
    """The comparison above is not won by handing the fields to crispy."""

    def refuse(*args, **kwargs):
        raise AssertionError("crispy was asked to render a field form_fields writes out")

    monkeypatch.setattr(form_fields.crispy_forms_filters, "as_crispy_field", refuse)
    monkeypatch.setattr(form_fields.crispy_forms_filters, "as_crispy_form", refuse)
    monkeypatch.setattr(form_fields, "get_template", refuse)
    left = {}

    for form_class, options in CASES:
        form = form_class(data={}, **ARGUMENTS.get(form_class, dict)(), **options)
        kept = {(_name(form_class), name): type(form.fields[name].widget) for name in form.fields}
        kept = {key: widget for key, widget in kept.items() if key in LEFT_TO_CRISPY}
        for name in form.fields:
            if (_name(form_class), name) not in kept:
                form_fields.as_crispy_field(form[name])
        if not kept:
            form_fields.as_crispy_form(form)
        left.update(kept)

    assert left == LEFT_TO_CRISPY


class Odd(forms.Form):
    """What the project's forms do not have (yet): escaped labels, help text with links, a
    widget with classes of its own, the form's CSS classes, fields left to crispy, errors of the
    form itself."""

    error_css_class = "has-error"
    required_css_class = "needed"
    name = forms.CharField(label='Name <&> "quoted"', help_text=mark_safe("<a href='#'>How</a>"))
    unlabelled = forms.CharField(label="", required=False)
    classed = forms.CharField(widget=forms.TextInput(attrs={"class": "big textinput-x"}))
    bootstrapped = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control mono"}))
    pick = forms.ChoiceField(
        choices=[("", "—"), ("a", "A & B")], widget=forms.Select(attrs={"class": "form-select"})
    )
    picks = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    yes_no = forms.NullBooleanField(required=False)
    agree = forms.BooleanField(label="I <agree>", help_text="Tick it.")
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput, help_text="Not shown again.")
    locked = forms.CharField(disabled=True, initial="fixed")
    amount = forms.DecimalField(localize=True, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput)
    parts = forms.SplitDateTimeField(required=False)
    upload = forms.FileField(required=False)
    colour = forms.ChoiceField(choices=[("r", "Red")], widget=forms.RadioSelect, required=False)
    shown_initial = forms.CharField(show_hidden_initial=True, required=False)

    def clean(self):
        raise forms.ValidationError(["First <problem>", "Second"])


@pytest.mark.parametrize("auto_id", ["id_%s", False, "odd-%s"])
@pytest.mark.parametrize(
    "data",
    [None, {}, {"name": "<b>", "agree": "on", "pick": "a", "picks": ["b"], "when": "2025-02-30"}],
    ids=["unbound", "empty", "filled"],
)
def test_what_the_project_does_not_use_yet_is_the_same_html_too(auto_id, data):
    different = _compare(lambda: Odd(data, auto_id=auto_id, prefix="odd"))

    assert different == []


def test_a_form_with_a_helper_and_other_template_packs_go_to_crispy():
    class Helped(forms.Form):
        name = forms.CharField()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper = FormHelper()
            self.helper.field_class = "col-8"

    assert form_fields.as_crispy_field(Helped()["name"]) == crispys.as_crispy_field(
        Helped()["name"]
    )
    assert 'class="col-8"' in form_fields.as_crispy_field(Helped()["name"])
    assert form_fields.as_crispy_field(Helped()["name"], "bootstrap5") == crispys.as_crispy_field(
        Helped()["name"], "bootstrap5"
    )
    assert form_fields.as_crispy_form(Helped({}), "bootstrap5") == crispys.as_crispy_form(
        Helped({}), "bootstrap5"
    )


def test_templates_use_the_builtins_without_a_load(hospital):
    from billing.forms import ManualChargeForm

    template = engines["django"].from_string("{{ form|crispy }}{{ form.item|as_crispy_field }}")
    used = [
        function
        for node in template.template.nodelist
        if isinstance(node, VariableNode)
        for function, _arguments in node.filter_expression.filters
    ]

    rendered = template.render({"form": ManualChargeForm({})})

    assert used == [form_fields.as_crispy_form, form_fields.as_crispy_field]
    assert rendered == crispys.as_crispy_form(ManualChargeForm({})) + crispys.as_crispy_field(
        ManualChargeForm({})["item"]
    )
    assert "is-invalid" in rendered


def test_no_template_loads_crispys_tags_over_the_builtins():
    """{% load crispy_forms_tags %} would put crispy's filters back in that template."""
    folders = [settings.BASE_DIR / "templates"] + [
        settings.BASE_DIR / app / "templates" for app in settings.PROJECT_APPS
    ]
    loading = [
        str(path.relative_to(settings.BASE_DIR))
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*.html")
        if "crispy_forms_tags" in path.read_text()
    ]

    assert loading == []


def test_the_widget_of_a_field_is_rendered_once_whatever_rendered_it_before(db):
    """crispy writes its classes into the widget's attrs; these filters leave them as they were,
    so rendering twice gives the same HTML and the form's own {{ field }} is untouched."""
    form = OrderForm({"clinical_notes": "x" * 501})
    plain = str(form["clinical_notes"])

    first = form_fields.as_crispy_field(form["clinical_notes"])

    assert form_fields.as_crispy_field(form["clinical_notes"]) == first
    assert str(form["clinical_notes"]) == plain
