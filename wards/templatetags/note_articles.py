"""`{% note_articles notes %}` and `{% stay_items stays %}`: an admission's page of ward-round
and nursing notes, and the beds of the stay, written out in Python.

templates/wards/_notes.html's loop cost ~1,100 calls a note (its dates, names, two links and the
addendum form each note carries), 22,000 for a full page of 20 (tests/bench/pages.py --profile).
This writes the same markup (tests/wards/test_page_writers.py holds it to the template it
replaced), every value escaped (html.escape, as Django's escape does), the joined notes marked
safe once.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from hms.dates import date_text
from hms.links import link_to
from hms.templatetags.form_fields import as_crispy_field
from hms.templatetags.submissions import submission_field

register = template.Library()

NO_NOTES = '\n  <p class="text-body-secondary mb-0" data-testid="no-notes">No notes yet.</p>\n  '


def _when(moment, format_string: str) -> str:
    """As `{{ moment|date:format_string }}` writes it (in the current time zone)."""
    return escape(str(date_text(template_localtime(moment), format_string)))


def _by(note) -> str:
    """`{{ note.author.get_full_name|default:note.author.username }}`."""
    author = note.author
    return escape(str(author.get_full_name() or author.username))


def _corrected(note) -> str:
    return f" · corrected {_when(note.edited_at, 'H:i')}" if note.edited_at else ""


def _addendum(addendum, edit_url) -> str:
    correct = (
        f' · <a href="{escape(edit_url(addendum.pk))}">Correct</a>' if addendum.editable else ""
    )
    return (
        f'\n    <div class="ms-3 ps-2 border-start border-2" id="note-{addendum.pk}" '
        'data-testid="addendum">\n      <div class="small text-body-secondary">Addendum by '
        f"<strong>{_by(addendum)}</strong>, {_when(addendum.written_at, 'd M Y H:i')}"
        f"{_corrected(addendum)}{correct}</div>\n"
        f'      <p class="mb-1" style="white-space: pre-line">{escape(addendum.text)}</p>\n'
        "    </div>\n    "
    )


@register.simple_tag(takes_context=True)
def note_articles(context: template.Context, notes) -> SafeString:
    """The page's notes (wards.selectors.notes_page), newest first, each with its addenda and,
    for whoever writes notes, its "Correct" link and addendum form; "No notes yet." for none."""
    if not notes:
        return mark_safe(NO_NOTES)  # noqa: S308 (a constant)
    edit_url, addendum_url = link_to("note_edit"), link_to("note_addendum")
    can_write = context.get("can_write_notes")
    minutes = context.get("note_edit_minutes", "")
    addendum_note_id = context.get("addendum_note_id")
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
        if token and token != "NOTPROVIDED"
        else ""
    )
    parts = []
    for note in notes:
        pk = note.pk
        kind = "text-bg-info" if note.kind == "nursing" else "text-bg-primary"
        addenda = (
            "".join(_addendum(addendum, edit_url) for addendum in note.addenda.all())
            if note.has_addenda
            else ""
        )
        actions = ""
        if can_write:
            edit = (
                f'<a class="btn btn-sm btn-outline-secondary" href="{escape(edit_url(pk))}" '
                f'data-testid="note-edit">Correct (for {escape(str(minutes))} minutes after '
                "writing)</a>"
                if note.editable
                else ""
            )
            here = addendum_note_id == pk
            field = (
                str(as_crispy_field(context["addendum_form"]["text"]))
                if here
                else f'<label class="form-label" for="addendum-{pk}">Addendum</label><textarea '
                f'class="form-control" id="addendum-{pk}" name="text" rows="3" required>'
                "</textarea>"
            )
            actions = (
                '\n    <div class="d-flex flex-wrap gap-2 align-items-start">\n'
                f"      {edit}\n"
                f'      <details class="flex-grow-1"{" open" if here else ""}>\n'
                '        <summary class="btn btn-sm btn-outline-primary" '
                'data-testid="addendum-open">Add an addendum</summary>\n'
                f'        <form method="post" action="{escape(addendum_url(pk))}" class="mt-2" '
                'novalidate data-testid="addendum-form">\n'
                f"          {csrf}{submission_field()}\n"
                f"          {field}\n"
                '          <button class="btn btn-primary btn-sm mt-2" type="submit" '
                'data-testid="addendum-save">Save addendum</button>\n'
                "        </form>\n      </details>\n    </div>\n    "
            )
        parts.append(
            f'\n  <article class="border-top py-2" id="note-{pk}" data-testid="note">\n'
            '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
            f'      <div><span class="badge {kind}">{escape(str(note.get_kind_display()))}'
            f"</span> <strong>{_by(note)}</strong></div>\n"
            '      <div class="small text-body-secondary"><time '
            f'datetime="{_when(note.written_at, "c")}">{_when(note.written_at, "d M Y H:i")}'
            f"</time>{_corrected(note)}</div>\n    </div>\n"
            '    <p class="mb-1 mt-1" style="white-space: pre-line" data-testid="note-text">'
            f"{escape(note.text)}</p>\n    {addenda}\n    {actions}\n  </article>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 (each value is escaped)


@register.simple_tag
def stay_items(stays) -> SafeString:
    """The beds the stay has been in (wards.models.BedStay, with bed and ward), each with when
    it began and ended ("now" for the current one) and why it moved."""
    return mark_safe(  # noqa: S308 (each value is escaped)
        "".join(
            f'<li class="py-1 border-bottom">{escape(str(stay.bed))} · '
            f"{_when(stay.started_at, 'd M H:i')} → "
            f"{_when(stay.ended_at, 'd M H:i') if stay.ended_at else 'now'}"
            f"{f' · {escape(str(stay.reason))}' if stay.reason else ''}</li>"
            for stay in stays
        )
    )
