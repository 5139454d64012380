"""`{{ form|crispy }}` and `{{ form.field|as_crispy_field }}`, written out in Python: the HTML
crispy-bootstrap5 writes, character for character, without its templates. A builtin: templates
use these filters without {% load %} (a `{% load crispy_forms_tags %}` would put crispy's back).

crispy-bootstrap5's bootstrap5/field.html runs ~45 template nodes a field (fieldsets, horizontal
forms, floating labels, prepended text... which HMS never asks for). Here a field costs its widget
(rendered by Django, through hms.form_renderer) and a few f-strings: the consultation's 12 fields
took 5.8 ms through crispy and take 2.3 ms, 1.8 ms of which are the widgets themselves.
tests/hms/test_form_fields.py holds every field of every form of the project to crispy's own
output; a field this module does not write out (radio buttons, checkbox lists, file inputs,
multi-widgets, a form with a FormHelper, another template pack) goes through crispy itself, so
nothing changes without the test seeing it.

The whitespace is crispy's too: its templates' indentation and blank lines, exactly as they come
out (the HTML is the same, so the page looks and behaves the same, and the test stays exact).
"""

import re

from crispy_forms.templatetags import crispy_forms_filters
from crispy_forms.utils import TEMPLATE_PACK
from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.utils import ErrorList
from django.template.defaultfilters import unordered_list
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from hms.form_renderer import escaped

register = template.Library()

# The template pack whose HTML this module writes; another (settings.CRISPY_TEMPLATE_PACK, or a
# filter argument such as |crispy:"bootstrap4") goes to crispy.
PACK = "bootstrap5"
# The widget families bootstrap5/field.html writes without a template of its own. Not here:
# RadioSelect and CheckboxSelectMultiple (radio_checkbox_select.html; HMS writes its own),
# FileInput (field_file.html), MultiWidget (a class on each part) and widgets of other kinds.
WRITTEN_OUT = (forms.widgets.Input, forms.Textarea, forms.Select, forms.CheckboxInput)
NOT_WRITTEN_OUT = (forms.FileInput, forms.RadioSelect, forms.MultiWidget)

ASTERISK = '<span class="asteriskField">*</span>'
# crispy's {% specialspaceless %} (bootstrap5/uni_form.html), which |crispy applies to a form.
SPACES_BETWEEN_TAGS = re.compile(r">\s{3,}<")
SELF_CLOSED_THEN_TAG = re.compile(r"/><")


def _written_out(field: object) -> bool:
    """Whether field.html would write this field as this module does (else crispy renders it)."""
    if not isinstance(field, BoundField):
        return False
    widget = field.field.widget
    return (
        isinstance(widget, WRITTEN_OUT)
        and not isinstance(widget, NOT_WRITTEN_OUT)
        # crispy puts its classes on the inner widgets of a wrapper (MultiWidget, admin's
        # RelatedFieldWidgetWrapper); a fieldset or a hidden initial value are other markup.
        and not hasattr(widget, "widgets")
        and not hasattr(widget, "widget")
        and not widget.use_fieldset
        and not field.field.show_hidden_initial
    )


def _widget_class(widget: forms.Widget, classes: str) -> str:
    """The class attribute crispy's {% crispy_field %} gives the widget: the widget's own
    classes, its class name in lower case (unless the classes already contain it), then the
    bootstrap classes it lacks."""
    name = widget.__class__.__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css_class = widget.attrs.get("class", "")
    if not css_class:
        css_class = name
    elif css_class.find(name) == -1:  # a substring, as crispy checks: "form-select" has "select"
        css_class += f" {name}"
    present = css_class.split()
    for extra in classes.split():
        if extra not in present:
            css_class += f" {extra}"
    return css_class


def _help_text(field: BoundField, auto_id: str) -> str:
    """bootstrap5/layout/help_text.html, help text as given (crispy marks it safe)."""
    if not field.help_text:
        return "\n"
    id_attr = f'id="{escaped(auto_id)}_helptext" ' if auto_id else ""
    return f'\n    \n        <div {id_attr}class="form-text">{field.help_text}</div>\n    \n\n'


def _errors(errors: ErrorList, auto_id: str) -> str:
    """bootstrap5/layout/field_errors_block.html."""
    if not errors:
        return "\n"
    auto_id = escaped(auto_id)
    paragraphs = "".join(
        f'\n        <p id="error_{number}_{auto_id}"><strong>{escaped(error)}</strong></p>\n    '
        for number, error in enumerate(errors, start=1)
    )
    field_id = escaped(errors.field_id)
    return (
        f'\n    <div id="{field_id}_error" class="invalid-feedback">\n    '
        f"{paragraphs}\n    </div>\n\n"
    )


def _help_text_and_errors(field: BoundField, errors: ErrorList, auto_id: str) -> str:
    """bootstrap5/layout/help_text_and_errors.html: the errors, then the help text."""
    return f"\n\n\n    {_errors(errors, auto_id)}\n\n\n\n    {_help_text(field, auto_id)}\n\n"


def _field(field: BoundField) -> str:
    """bootstrap5/field.html of a field _written_out() accepts, with |as_crispy_field's context
    (labels and errors shown, no label or field class, no wrapper class, no tag)."""
    if field.is_hidden:
        return f"\n\n\n    {field}\n\n"
    widget = field.field.widget
    errors = field.errors
    auto_id = field.auto_id
    required = field.field.required
    required_class = " requiredField" if required else ""
    label = f"{escaped(field.label)}{ASTERISK if required else ''}"
    css_classes = field.css_classes()
    css_classes = f" {escaped(css_classes)}" if css_classes else ""
    after = _help_text_and_errors(field, errors, auto_id)
    invalid = " is-invalid" if errors else ""
    wrapper = f'\n    <div id="div_{escaped(auto_id)}" class="'

    if isinstance(widget, forms.CheckboxInput):
        rendered = field.as_widget(
            attrs={"class": _widget_class(widget, f"form-check-input{invalid}")}
        )
        return (
            f'\n\n\n    \n        <div class="mb-3">\n        \n    '
            f'{wrapper}form-check{css_classes}">'
            f"\n        \n\n        \n\n        \n            \n                    "
            f"\n                        {rendered}\n                    "
            f'\n                <label for="{escaped(field.id_for_label)}"'
            f' class="form-check-label{required_class}">\n                    {label}'
            f"\n                </label>\n                {after}\n            \n        "
            "\n        \n    </div>\n    \n        \n        </div>\n    \n\n"
        )

    if field.label:
        id_for_label = field.id_for_label
        label_for = f'for="{escaped(id_for_label)}"' if id_for_label else ""
        label = (
            f"\n            \n            <label\n                {label_for}"
            f' class="form-label{required_class}">\n                {label}'
            "\n            </label>\n        "
        )
    else:
        label = ""
    if isinstance(widget, forms.Select):
        rendered = field.as_widget(attrs={"class": _widget_class(widget, f"form-select{invalid}")})
        rendered = (
            f"\n                        \n                            {rendered}"
            "\n                        "
        )
    else:
        rendered = field.as_widget(attrs={"class": _widget_class(widget, f"form-control{invalid}")})
        rendered = f"\n                        {rendered}"
    return (
        f'\n\n\n    {wrapper}mb-3{css_classes}">\n        {label}\n\n        \n\n        '
        f"\n            \n                \n                    {rendered}\n                    "
        f"\n                    \n                        {after}\n                    "
        "\n                \n            \n        \n        \n    </div>\n    \n\n"
    )


def _radio_written_out(field: object) -> bool:
    """A plain radio list (bootstrap5/layout/radio_checkbox_select.html, flat choices, shown
    with its label) is written out too; anything else of the kind goes to crispy."""
    if not isinstance(field, BoundField):
        return False
    widget = field.field.widget
    return (
        type(widget) is forms.RadioSelect
        and bool(field.label)
        and not field.field.show_hidden_initial
        and not any(group for group, _options, _index in widget.optgroups(field.html_name, []))
    )


def _option_attrs(attrs: dict) -> str:
    """bootstrap5/layout/attrs.html: each attribute, True ones bare, False ones left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _radio_field(field: BoundField) -> str:
    """bootstrap5/field.html of a radio list _radio_written_out() accepts: a fieldset whose
    legend is the label, one form-check per choice, the errors after the last, the help text."""
    errors = field.errors
    auto_id = field.auto_id
    required = field.field.required
    invalid = " is-invalid" if errors else ""
    css_classes = field.css_classes()
    css_classes = f" {escaped(css_classes)}" if css_classes else ""
    described = field.aria_describedby
    described = f' aria-describedby="{escaped(described)}"' if described else ""
    widget = field.field.widget
    # crispy's |optgroups: the id, then what the bound field adds (required, aria-invalid).
    id_ = widget.attrs.get("id") or auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    value = widget.format_value(field.value())
    options = [
        option
        for _group, group_options, _index in widget.optgroups(field.html_name, value, attrs)
        for option in group_options
    ]
    checks = []
    for number, option in enumerate(options, start=1):
        error_block = (
            f"\n            {_errors(errors, auto_id)}\n        "
            if errors and number == len(options)
            else ""
        )
        checks.append(
            '\n    \n    \n      <div class="form-check">'
            f'\n        <input type="{option["type"]}" class="form-check-input{invalid}"  '
            f'name="{escaped(field.html_name)}" '
            f'value="{escaped(option["value"])}" {_option_attrs(option["attrs"])}>'
            f'\n        <label for="{escaped(option["attrs"].get("id", ""))}"'
            f' class="form-check-label">\n            {escaped(option["label"])}'
            f"\n        </label>\n        {error_block}\n     </div>\n    \n    "
        )
    help_text = f"{_help_text(field, auto_id).strip(chr(10))}\n\n" if field.help_text else ""
    return (
        f'\n\n\n    \n    <div id="div_{escaped(auto_id)}" class="mb-3{css_classes}">'
        f"\n        \n            <fieldset{described}>\n            <legend\n                 "
        f'class="form-label{" requiredField" if required else ""} fs-6">'
        f"\n                {escaped(field.label)}{ASTERISK if required else ''}"
        "\n            </legend>\n        \n\n        \n            \n\n\n<div >\n\n    "
        f"{''.join(checks)}\n\n</div>\n\n\n{help_text}\n\n        \n\n        "
        "\n        </fieldset>\n    </div>\n    \n\n"
    )


def _written_out_field(field: BoundField) -> str:
    """The field as bootstrap5/field.html writes it: written out here, or by crispy."""
    if _written_out(field):
        return _field(field)
    if _radio_written_out(field):
        return _radio_field(field)
    return _crispy_field(field)


def _crispy_field(field: BoundField) -> str:
    """bootstrap5/field.html as crispy renders it in a form (which ignores a FormHelper)."""
    return get_template(f"{PACK}/field.html").render(
        {
            "field": field,
            "form_show_errors": True,
            "form_show_labels": True,
            "label_class": "",
            "field_class": "",
        }
    )


@register.filter(name="as_crispy_field")
def as_crispy_field(field: BoundField, template_pack: str | None = None) -> SafeString:
    """`{{ form.field|as_crispy_field }}`: the field with its label, errors and help text."""
    if (
        template_pack is not None
        or TEMPLATE_PACK != PACK
        or not (_written_out(field) or _radio_written_out(field))
        or getattr(field.form, "helper", None) is not None
    ):
        return crispy_forms_filters.as_crispy_field(field, template_pack or TEMPLATE_PACK)
    # Every value in it is escaped, but the help text, which crispy shows as safe too.
    return mark_safe(_written_out_field(field))  # noqa: S308


@register.filter(name="crispy")
def as_crispy_form(form: forms.BaseForm, template_pack: str | None = None) -> SafeString:
    """`{{ form|crispy }}`: the form's own errors, then every field (bootstrap5/uni_form.html)."""
    if (
        template_pack is not None
        or TEMPLATE_PACK != PACK
        or not isinstance(form, forms.BaseForm)  # a formset, or a name missing from the context
    ):
        return crispy_forms_filters.as_crispy_form(form, template_pack or TEMPLATE_PACK)
    non_field_errors = form.non_field_errors()
    if non_field_errors:
        listed = unordered_list(non_field_errors, autoescape=True)
        errors = (
            '\n    <div class="alert alert-block alert-danger">\n        \n        <ul class="m-0">'
            f"\n            {listed}\n        </ul>\n    </div>\n\n"
        )
    else:
        errors = "\n"
    fields = "".join(f"\n        {_written_out_field(field)}\n    " for field in form)
    body = f"\n    \n    \n        {errors}\n    \n    {fields}\n"
    body = SELF_CLOSED_THEN_TAG.sub("/> <", SPACES_BETWEEN_TAGS.sub("> <", body.strip()))
    return mark_safe(f"\n\n{body}\n")  # noqa: S308 (made of escaped fields, as crispy's)
