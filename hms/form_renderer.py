"""Django's form renderer, with select boxes, inputs and text areas written out in Python.

Django renders a <select> through a template that includes one template per <option> and one
more for each option's attributes: a ward's bed list or the charge master's items in a select
cost ~40 µs an option, and the admission page spent 8 ms of its 17 on two selects; an <input>
is two templates deep, ~150 µs a field (tests/bench/pages.py --profile). The HTML is the same,
character for character (tests/hms/test_form_renderer.py holds it to Django's own templates);
any other widget, and a select whose options use another template, goes through the templates
as before.
"""

import html

from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from hms.prepared import Prepared

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# Django's blank choice reads "---------": to someone new to computers, a line, not a question.
BLANK_DASHES = "---------"
BLANK_LABEL = "Choose…"
TEXTAREA = "django/forms/widgets/textarea.html"
# The widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in [
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "input",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    ]
}


def escaped(value: object) -> str:
    """django.utils.html.conditional_escape(value), without the lazy-string wrapper around
    Django's escape (~14 calls an escape; a form of ten fields escapes ~160 values): a safe
    string as it is, anything else through html.escape, as Django's escape does."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _text(value: object) -> str:
    """As `{{ value }}` shows it: localized when not text, escaped unless already safe."""
    return escaped(value if isinstance(value, str) else localize(value))


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> SafeString | None:
    """The <select> of a widget's context, or None when an option has a template of its own."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            label = option["label"]
            if label == BLANK_DASHES and option["value"] in ("", None):
                label = BLANK_LABEL
            parts.append(
                f'\n  <option value="{_text(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{_text(label)}</option>\n"  # the option template's last line break
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def render_input(widget: dict) -> SafeString:
    """An <input> as django/forms/widgets/input.html writes it."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(str(value))}"'
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def render_textarea(widget: dict) -> SafeString:
    """A <textarea> as django/forms/widgets/textarea.html writes it."""
    value = widget["value"]
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: selects, inputs and text areas written out, the rest by
    templates."""

    def render(self, template_name: str, context: dict, request=None) -> str:  # noqa: ANN001
        if template_name in INPUTS:
            return render_input(context["widget"])
        if template_name == TEXTAREA:
            return render_textarea(context["widget"])
        if template_name == SELECT:
            rendered = render_select(context["widget"])
            if rendered is not None:
                return rendered
        return super().render(template_name, context, request=request)


class ListedModelChoiceIterator(ModelChoiceIterator):
    """A model select's options read with one plain query.

    Django's own iterator reads them through `queryset.iterator()`, which on PostgreSQL opens a
    server-side cursor: DECLARE, two FETCHes and CLOSE, four round trips for the few dozen rows
    of a select (the patient account's charge-master select and deposit form asked six more round
    trips than queries). A select's options are a short list by design; the rows are read once
    per form and kept with the form's own copy of the queryset; a view that has read them
    already hands them over (`options_read`) and they are not read again."""

    def __iter__(self):  # noqa: ANN204
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = getattr(self.field, "rows_read", None)
        for obj in self.queryset if rows is None else rows:
            yield self.choice(obj)


def options_read(field: ModelChoiceField, rows: list) -> None:
    """The select of `field` lists `rows`, already read from its queryset (so a page that needed
    them anyway does not read them twice); a posted choice is still checked against the
    queryset, in the database."""
    field.rows_read = rows


def use_listed_model_choices() -> None:
    """Every ModelChoiceField (and ModelMultipleChoiceField) reads its options with
    ListedModelChoiceIterator: `iterator` is the documented class attribute for this; set once
    from HmsConfig.ready."""
    ModelChoiceField.iterator = ListedModelChoiceIterator


class _PreparedChoices(ListedModelChoiceIterator):
    """The options of a PreparedModelChoiceField: read by its prepared query, once per form."""

    def __iter__(self):  # noqa: ANN204
        if getattr(self.field, "rows_read", None) is None:
            options_read(self.field, self.field.options.all())
        yield from super().__iter__()


class PreparedModelChoiceField(ModelChoiceField):
    """A model select whose options a page shows on every request (an admission's vacant beds,
    the account's chargeable services): read by `options`, a hms.prepared.Prepared taking no
    values (its SQL compiled once); a posted choice is checked against the same query, in the
    database, as any ModelChoiceField's."""

    iterator = _PreparedChoices

    def __init__(self, options: Prepared, **kwargs) -> None:
        self.options = options
        super().__init__(queryset=options.queryset(), **kwargs)
