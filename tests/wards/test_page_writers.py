"""The bed board's wards, the ward picker's options, the ward's patients' sections and the
admission page's blank transfer form are written in Python (wards/templatetags): the same HTML,
character for character, as the template markup they replaced (kept frozen here), whatever a
name holds."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from tests.factories import BedFactory, WardFactory
from tests.wards.test_ward_rows import NAIROBI, NOW, _rows
from wards.forms import NoteForm, TransferForm
from wards.models import Bed, BedStatus
from wards.templatetags import ward_forms

# templates/wards/bed_board.html's loop over the board's wards, as it was.
BOARD_WARDS = (
    "{% load bed_board %}  {% for ward in wards %}\n"
    '  <section class="mb-4" aria-labelledby="ward-{{ ward.pk }}">\n'
    '    <h2 class="h4" id="ward-{{ ward.pk }}">{{ ward.name }} <span class="badge text-bg-light'
    ' border fs-6 align-middle" data-testid="ward-counts">{{ ward.occupied }} of'
    " {{ ward.bed_count }} occupied · {{ ward.vacant }} vacant</span></h2>\n"
    '    <div class="bed-grid">\n'
    "      {% bed_tiles ward.tiles %}\n"
    "    </div>\n"
    "  </section>\n"
    "  {% empty %}\n"
    '  <p class="text-body-secondary">No wards yet.</p>\n'
    "  {% endfor %}\n"
)
# The picker's options, on the bed board and the ward's patients alike.
OPTIONS = (
    '{% for pk, name in all_wards %}<option value="{{ pk }}"{% if pk|stringformat:"s" =='
    " ward_id %} selected{% endif %}>{{ name }}</option>{% endfor %}"
)
# templates/wards/ward_patients.html's loop over the wards, as it was.
PATIENT_WARDS = (
    "{% load ward_rows %}  {% for ward in wards %}\n"
    '  <section class="card mb-3" aria-labelledby="ward-title-{{ ward.pk }}" data-testid="ward"'
    ' data-ward="{{ ward.pk }}">\n'
    '    <div class="card-header d-flex flex-wrap justify-content-between align-items-center'
    ' gap-2">\n'
    '      <h2 class="h5 mb-0" id="ward-title-{{ ward.pk }}">{{ ward.name }} <span'
    ' class="fw-normal text-body-secondary fs-6">· {{ ward.rows|length }}'
    " patient{{ ward.rows|length|pluralize }} · {{ ward.vacant }}"
    " bed{{ ward.vacant|pluralize }} free</span></h2>\n"
    '      {% if ward.admit_url %}<a class="btn btn-outline-primary" href="{{ ward.admit_url }}">'
    '<i class="bi bi-person-plus" aria-hidden="true"></i>Admit</a>{% endif %}\n'
    "    </div>\n"
    "    {% if ward.rows %}\n"
    '    <div class="table-responsive">\n'
    '      <table class="table align-middle mb-0">\n'
    '        <thead><tr><th scope="col">Bed</th><th scope="col">Patient</th><th scope="col">'
    'Days in</th><th scope="col">Last observations</th><th scope="col">Next due</th><th'
    ' scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>\n'
    "        <tbody>\n"
    "        {# Written out in Python (wards/templatetags/ward_rows.py): every ward at once is"
    " ~100 rows. #}\n"
    "        {% ward_patient_rows ward.rows %}\n"
    "        </tbody>\n"
    "      </table>\n"
    "    </div>\n"
    "    {% else %}\n"
    '    <div class="card-body text-body-secondary">No patients on this ward.</div>\n'
    "    {% endif %}\n"
    "    {% if ward.cleaning %}\n"
    '    <div class="card-footer" data-testid="beds-to-clean">\n'
    '      <span class="me-2">Waiting to be cleaned:</span>\n'
    "      {% for bed in ward.cleaning %}\n"
    '      {% if bed.clean_url %}<form class="d-inline" method="post"'
    ' action="{{ bed.clean_url }}">{% csrf_token %}{% submission_field %}<input type="hidden"'
    ' name="status" value="vacant"><input type="hidden" name="next" value="{{ here }}"><button'
    ' class="btn btn-outline-dark me-1" type="submit" data-testid="mark-clean"><i class="bi'
    ' bi-check2" aria-hidden="true"></i>Bed {{ bed.number }} is clean</button></form>\n'
    '      {% else %}<span class="badge text-bg-secondary fs-6 me-1">Bed {{ bed.number }}'
    "</span>{% endif %}\n"
    "      {% endfor %}\n"
    "    </div>\n"
    "    {% endif %}\n"
    "  </section>\n"
    "  {% empty %}\n"
    '  <p class="text-body-secondary">No wards are open.</p>\n'
    "  {% endfor %}\n"
)
# templates/wards/_notes.html's loop over the page's notes, as it was.
NOTES = (
    "{% load note_articles %}"
    "{% for note in notes %}\n"
    '  <article class="border-top py-2" id="note-{{ note.pk }}" data-testid="note">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    "      <div><span class=\"badge {% if note.kind == 'nursing' %}text-bg-info{% else %}text-bg-primary{% endif %}\">{{ note.get_kind_display }}</span> <strong>{{ note.author.get_full_name|default:note.author.username }}</strong></div>\n"
    '      <div class="small text-body-secondary"><time datetime="{{ note.written_at|date:\'c\' }}">{{ note.written_at|date:"d M Y H:i" }}</time>{% if note.edited_at %} · corrected {{ note.edited_at|date:"H:i" }}{% endif %}</div>\n'
    "    </div>\n"
    '    <p class="mb-1 mt-1" style="white-space: pre-line" data-testid="note-text">{{ note.text }}</p>\n'
    "    {% if note.has_addenda %}{% for addendum in note.addenda.all %}\n"
    '    <div class="ms-3 ps-2 border-start border-2" id="note-{{ addendum.pk }}" data-testid="addendum">\n'
    '      <div class="small text-body-secondary">Addendum by <strong>{{ addendum.author.get_full_name|default:addendum.author.username }}</strong>, {{ addendum.written_at|date:"d M Y H:i" }}{% if addendum.edited_at %} · corrected {{ addendum.edited_at|date:"H:i" }}{% endif %}{% if addendum.editable %} · <a href="{% url \'note_edit\' addendum.pk %}">Correct</a>{% endif %}</div>\n'
    '      <p class="mb-1" style="white-space: pre-line">{{ addendum.text }}</p>\n'
    "    </div>\n"
    "    {% endfor %}{% endif %}\n"
    "    {% if can_write_notes %}\n"
    '    <div class="d-flex flex-wrap gap-2 align-items-start">\n'
    '      {% if note.editable %}<a class="btn btn-sm btn-outline-secondary" href="{% url \'note_edit\' note.pk %}" data-testid="note-edit">Correct (for {{ note_edit_minutes }} minutes after writing)</a>{% endif %}\n'
    '      <details class="flex-grow-1"{% if addendum_note_id == note.pk %} open{% endif %}>\n'
    '        <summary class="btn btn-sm btn-outline-primary" data-testid="addendum-open">Add an addendum</summary>\n'
    '        <form method="post" action="{% url \'note_addendum\' note.pk %}" class="mt-2" novalidate data-testid="addendum-form">\n'
    "          {% csrf_token %}{% submission_field %}\n"
    '          {% if addendum_note_id == note.pk %}{{ addendum_form.text|as_crispy_field }}{% else %}<label class="form-label" for="addendum-{{ note.pk }}">Addendum</label><textarea class="form-control" id="addendum-{{ note.pk }}" name="text" rows="3" required></textarea>{% endif %}\n'
    '          <button class="btn btn-primary btn-sm mt-2" type="submit" data-testid="addendum-save">Save addendum</button>\n'
    "        </form>\n"
    "      </details>\n"
    "    </div>\n"
    "    {% endif %}\n"
    "  </article>\n"
    "  {% empty %}\n"
    '  <p class="text-body-secondary mb-0" data-testid="no-notes">No notes yet.</p>\n'
    "  {% endfor %}"
)
NAME = "Ward <3> & 'Theatre' \"B\""
# Each form's one-time submission token differs by design: compared as a stand-in.
SUBMISSION = re.compile(r'(name="submission" value=")[^"]+')


def _render(source: str, **context) -> str:
    with timezone.override(NAIROBI):
        return SUBMISSION.sub(r"\1X", Template(source).render(Context(context)))


def _tile(pk: int, status: str, **values) -> dict:
    return {
        "pk": pk,
        "ward_id": 1,
        "number": f"<{pk}>",
        "status": status,
        "status_label": status.title(),
        "patient_name": "",
        "admission_url": "",
        "stay": "",
        "discharge_ordered": False,
        "news2": None,
        "admit_url": "",
        "clean_url": "",
        **values,
    }


def _board_wards() -> list[dict]:
    tiles = [
        _tile(1, "occupied", patient_name=NAME, admission_url="/a/1/?x=<1>", stay="3 days"),
        _tile(2, "vacant", admit_url="/admit/?bed=2&x='y'"),
        _tile(3, "cleaning", clean_url="/beds/3/status/"),
        _tile(4, "maintenance"),
    ]
    return [
        {"pk": 7, "name": NAME, "bed_count": 4, "occupied": 1, "vacant": 1, "tiles": tiles},
        {"pk": 12345, "name": "Empty", "bed_count": 0, "occupied": 0, "vacant": 0, "tiles": []},
        {"pk": 9, "name": "Big", "bed_count": 1200, "occupied": 1001, "vacant": 1, "tiles": []},
    ]


@pytest.mark.parametrize("wards", [_board_wards(), []], ids=["wards", "none"])
def test_the_boards_wards_are_the_html_the_template_wrote(wards, rf):
    request = rf.get("/wards/")
    context = {"wards": wards, "request": request, "csrf_token": "tok<en>"}

    ours = _render("{% load bed_board %}  {% bed_wards wards %}\n", **context)

    assert ours == _render(BOARD_WARDS, **context)
    if wards:
        assert "Ward &lt;3&gt; &amp; &#x27;Theatre&#x27; &quot;B&quot;" in ours
        assert 'value="tok&lt;en&gt;"' in ours  # the page's token, escaped


@pytest.mark.parametrize("picked", ["", "7", "12345", "nope"])
def test_the_ward_pickers_options_are_the_html_the_template_wrote(picked):
    wards = [(7, NAME), (12345, "Side <room>"), (9, "Nine")]
    context = {"all_wards": wards, "ward_id": picked}

    ours = _render("{% load bed_board %}{% ward_options all_wards ward_id %}", **context)

    assert ours == _render(OPTIONS, **context)
    assert ours == _render("{% load ward_rows %}{% ward_options all_wards ward_id %}", **context)


def _patient_wards() -> list[dict]:
    rows = _rows(NOW)
    beds = [
        {"pk": 1, "ward_id": 7, "number": "<1>", "clean_url": "/beds/1/status/?a=1&b=2"},
        {"pk": 2, "ward_id": 7, "number": "2", "clean_url": ""},
    ]
    return [
        {
            "pk": 7,
            "name": NAME,
            "vacant": 1,
            "rows": rows[:1],
            "cleaning": beds,
            "admit_url": "/wards/admit/",
        },
        {"pk": 8, "name": "Many", "vacant": 0, "rows": rows, "cleaning": [], "admit_url": ""},
        {"pk": 1234, "name": "Empty", "vacant": 2, "rows": [], "cleaning": beds[1:]},
    ]


@pytest.mark.parametrize("wards", [_patient_wards(), []], ids=["wards", "none"])
def test_the_ward_patients_sections_are_the_html_the_template_wrote(wards):
    for ward in wards:
        ward.setdefault("admit_url", "")
    context = {
        "wards": wards,
        "now": NOW,
        "here": "/dashboard/?a=1&b=<2>",
        "csrf_token": "tok<en>",
    }

    ours = _render("{% load ward_rows %}  {% ward_sections wards %}\n", **context)

    assert ours == _render(PATIENT_WARDS, **context)
    if wards:
        assert "Zoé Ng&#x27;ang&#x27;a &lt;b&gt;" in ours and "<b>" not in ours
        assert ours.count('data-testid="mark-clean"') == 1


def _ward_of(beds: int, **fields):
    ward = WardFactory(**fields)
    for number in range(1, beds + 1):
        BedFactory(ward=ward, number=f"{number:02d}")
    return ward


def test_a_blank_transfer_form_is_the_crispy_form_of_the_vacant_beds_now(db):
    _ward_of(3, name="Ward <A> & 'B'")
    blank = Template("{{ form|crispy }}")
    first = ward_forms.blank_transfer_form()

    assert first == blank.render(Context({"form": TransferForm()}))
    assert "Ward &lt;A&gt; &amp; &#x27;B&#x27; bed" in first

    taken = Bed.objects.order_by("pk").first()
    taken.status = BedStatus.OCCUPIED
    taken.save(update_fields=["status"])
    second = ward_forms.blank_transfer_form()

    assert second != first
    assert second == blank.render(Context({"form": TransferForm()}))
    assert f'value="{taken.pk}"' not in second


def test_a_refused_transfer_form_is_rendered_as_typed(db):
    _ward_of(2)
    refused = TransferForm({"bed": "", "reason": "x" * 300})
    refused.is_valid()

    ours = ward_forms.transfer_form_crispy(refused)

    assert ours == Template("{{ form|crispy }}").render(Context({"form": refused}))
    assert "Choose a vacant bed." in ours


def test_the_bed_board_and_ward_patients_pages_keep_their_sections(staff, client_for):
    ward = _ward_of(2, name="Surgical <S>")
    bed = ward.beds.order_by("number").first()
    bed.status = BedStatus.CLEANING
    bed.save(update_fields=["status"])
    nurse = client_for(staff.nurse)

    board = nurse.get("/wards/").content.decode()
    patients = nurse.get(f"/wards/patients/?ward={ward.pk}").content.decode()

    assert f'<h2 class="h4" id="ward-{ward.pk}">Surgical &lt;S&gt; ' in board
    assert f'<option value="{ward.pk}">Surgical &lt;S&gt;</option>' in board
    assert f'<option value="{ward.pk}" selected>Surgical &lt;S&gt;</option>' in patients
    assert "No patients on this ward." in patients
    assert f"Bed {bed.number} is clean" in patients


def _author(first: str, last: str, username: str) -> SimpleNamespace:
    return SimpleNamespace(get_full_name=lambda: f"{first} {last}".strip(), username=username)


def _note(pk: int, *, kind: str = "nursing", addenda=(), **values) -> SimpleNamespace:
    fields = {
        "pk": pk,
        "kind": kind,
        "get_kind_display": lambda: {"nursing": "Nursing", "ward_round": "Ward round"}[kind],
        "author": _author("Achieng", "<O'Neill>", "achieng"),
        "written_at": NOW - timedelta(hours=pk, minutes=7),
        "edited_at": None,
        "text": f"Line one & <b>two</b>\n'three' {pk}",
        "has_addenda": bool(addenda),
        "addenda": SimpleNamespace(all=lambda: list(addenda)),
        "editable": False,
    }
    return SimpleNamespace(**(fields | values))


def _notes() -> list:
    addenda = [
        _note(50, editable=True, edited_at=NOW - timedelta(minutes=3)),
        _note(51, author=_author("", "", "night<nurse>")),
    ]
    return [
        _note(1, editable=True, edited_at=NOW - timedelta(minutes=30)),
        _note(2, kind="ward_round", addenda=addenda),
        _note(3, author=_author("", "", "user&name")),
    ]


@pytest.mark.parametrize("can_write", [True, False])
@pytest.mark.parametrize("addendum_note_id", [None, 2])
@pytest.mark.parametrize("notes", [_notes(), []], ids=["notes", "none"])
def test_the_notes_are_the_html_the_template_wrote(notes, can_write, addendum_note_id):
    refused = NoteForm({"text": ""})
    refused.is_valid()
    context = {
        "notes": notes,
        "can_write_notes": can_write,
        "note_edit_minutes": 15,
        "addendum_note_id": addendum_note_id,
        "addendum_form": refused,
        "csrf_token": "tok<en>",
    }

    ours = _render("{% load note_articles %}{% note_articles notes %}", **context)

    assert ours == _render(NOTES, **context)
    if notes:
        assert "Line one &amp; &lt;b&gt;two&lt;/b&gt;" in ours and "<b>" not in ours
        assert "Achieng &lt;O&#x27;Neill&gt;" in ours


# templates/wards/admission_detail.html's list of the stay's beds, as it was.
STAYS = (
    '{% for stay in stays %}<li class="py-1 border-bottom">{{ stay.bed }} · {{ stay.started_at'
    '|date:"d M H:i" }} → {% if stay.ended_at %}{{ stay.ended_at|date:"d M H:i" }}{% else %}now'
    "{% endif %}{% if stay.reason %} · {{ stay.reason }}{% endif %}</li>{% endfor %}"
)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_stays_beds_are_the_html_the_template_wrote(count):
    stays = [
        SimpleNamespace(
            bed=f"Ward <{n}> & 'B' bed 0{n}",
            started_at=NOW - timedelta(days=n + 1, hours=n),
            ended_at=NOW - timedelta(days=n) if n else None,
            reason="" if n == 1 else f"Needs <ICU> & 'oxygen' {n}",
        )
        for n in range(count)
    ]

    ours = _render("{% load note_articles %}{% stay_items stays %}", stays=stays)

    assert ours == _render(STAYS, stays=stays)
    if count:
        assert "Needs &lt;ICU&gt; &amp; &#x27;oxygen&#x27; 0" in ours and "<ICU>" not in ours
