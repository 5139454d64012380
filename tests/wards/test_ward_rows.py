"""The ward's patients' rows and the nurse's three lists are written out in Python
(wards/templatetags/ward_rows.py): the same HTML the template wrote, for every kind of row and
score, whatever a name holds, across midnight in the hospital's zone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinical.news2 import News2
from tests.factories import WardFactory
from tests.wards.test_ward_patients import NOW, admitted, observed
from wards import selectors
from wards.templatetags.ward_rows import news2_badge

NAIROBI = ZoneInfo("Africa/Nairobi")
# Half an hour before midnight in Nairobi (21:30 UTC): a set due after midnight says its day.
LATE = datetime(2026, 11, 30, 23, 30, tzinfo=NAIROBI)

# Since session 24 a list's time says its day when that is not today's (the lists span midnight;
# these rows are within a day of `now`).
DAY = (
    '{% if row.due_at|date:"Ymd" < now|date:"Ymd" %}yesterday {% elif row.due_at|date:"Ymd" >'
    ' now|date:"Ymd" %}tomorrow {% endif %}'
)
# The template the tags replaced, as it was (templates/wards/ward_patients.html); the badge is
# clinical's own include, so a change to it shows here.
ROWS = (
    "{% for row in rows %}"
    '<tr data-testid="ward-patient"{% if row.overdue %} class="table-danger"'
    ' data-overdue="true"{% endif %}>\n'
    '<td class="fw-semibold fs-5">{{ row.bed }}</td>\n'
    '<td><a class="fw-semibold" href="{{ row.admission_url }}">{{ row.name }}</a><div'
    ' class="small text-body-secondary">{{ row.mrn }}</div>{% if row.discharge_ordered %}<span'
    ' class="badge text-bg-warning" data-testid="discharge-waiting">Discharge ordered</span>{%'
    " endif %}</td>\n"
    "<td>{{ row.days_in }}</td>\n"
    '<td>{% if row.last_vitals_at %}{{ row.last_vitals_at|date:"H:i" }} <span class="small'
    ' text-body-secondary">({{ row.last_vitals_at|elapsed:now }} ago)</span>\n'
    '<div>{% include "clinical/_news2_badge.html" with score=row.news2 %} <span class="small'
    ' text-body-secondary">· {{ row.news2.frequency }}</span></div>\n'
    '{% else %}<span class="text-body-secondary">None since admission</span>{% endif %}</td>\n'
    '<td data-testid="vitals-due">{% if row.overdue %}<span class="badge text-bg-danger fs-6"><i'
    ' class="bi bi-alarm" aria-hidden="true"></i> Overdue</span><div class="small">{% if'
    " row.last_vitals_at %}due "
    + DAY
    + '{{ row.due_at|date:"H:i" }}{% else %}due on admission{% endif'
    ' %}</div>{% else %}{{ row.due_at|date:"H:i" }}{% if row.due_at|date:"Ymd" !='
    ' now|date:"Ymd" %} <span class="small text-body-secondary">{{ row.due_at|date:"D j M"'
    " }}</span>{% endif %}{% endif %}</td>\n"
    '<td class="text-end text-nowrap">\n'
    '{% if row.vitals_url %}<a class="btn {% if row.overdue %}btn-danger{% else'
    ' %}btn-outline-primary{% endif %}" href="{{ row.vitals_url }}"'
    ' data-testid="record-vitals"><i class="bi bi-heart-pulse" aria-hidden="true"></i>Record'
    " vitals</a>{% endif %}\n"
    '<a class="btn btn-outline-secondary" href="{{ row.admission_url }}"><i class="bi'
    ' bi-folder2-open" aria-hidden="true"></i>Admission</a>\n'
    "</td>\n</tr>\n{% endfor %}"
)
LINE = '<li class="d-flex justify-content-between gap-2 py-1 border-bottom"'
DUE = (
    "{% for row in rows %}" + LINE + "><span>{% if row.vitals_url %}<a"
    ' href="{{ row.vitals_url }}">{{ row.name }}</a>{% else %}{{ row.name }}{% endif %} <span'
    ' class="small text-body-secondary">{{ row.ward_name }} · bed {{ row.bed }}</span></span>{%'
    ' if row.overdue %}<span class="badge text-bg-danger">overdue '
    + DAY
    + '{{ row.due_at|date:"H:i"'
    ' }}</span>{% else %}<span class="badge text-bg-light border">due '
    + DAY
    + '{{ row.due_at|date:"H:i"'
    " }}</span>{% endif %}</li>\n"
    '{% empty %}<li class="text-body-secondary">Nothing due in the next {{ due_soon_minutes }}'
    " minutes.</li>{% endfor %}"
)
NEWEST = (
    "{% for row in rows %}" + LINE + '><span><a href="{{ row.admission_url }}">{{ row.name'
    ' }}</a> <span class="small text-body-secondary">{{ row.ward_name }} · bed {{ row.bed'
    ' }}</span></span><span class="small text-nowrap">{% if row.admitted_at|date:"Ymd" =='
    ' now|date:"Ymd" %}today{% else %}yesterday{% endif %} {{ row.admitted_at|date:"H:i" }}'
    "</span></li>\n"
    '{% empty %}<li class="text-body-secondary">No admissions in the last 24 hours.</li>{%'
    " endfor %}"
)
BY_SCORE = (
    '{% for row in rows|slice:":10" %}' + LINE + ' data-testid="by-score"><span><a'
    ' href="{{ row.admission_url }}">{{ row.name }}</a> <span class="small'
    ' text-body-secondary">bed {{ row.bed }}</span></span>{% if row.news2 %}{% include'
    ' "clinical/_news2_badge.html" with score=row.news2 %}{% else %}<span class="small'
    ' text-body-secondary">not scored</span>{% endif %}</li>{% endfor %}'
)
# How the page calls the tags now, the empty lists' sentences kept in the template.
OURS = {
    "rows": "{% load ward_rows %}{% ward_patient_rows rows %}",
    "due": (
        "{% load ward_rows %}{% if rows %}{% due_items rows now %}{% else %}<li"
        ' class="text-body-secondary">Nothing due in the next {{ due_soon_minutes }}'
        " minutes.</li>{% endif %}"
    ),
    "newest": (
        "{% load ward_rows %}{% if rows %}{% newest_items rows now %}{% else %}<li"
        ' class="text-body-secondary">No admissions in the last 24 hours.</li>{% endif %}'
    ),
    "by_score": '{% load ward_rows %}{% by_score_items rows|slice:":10" %}',
}
THEIRS = {"rows": ROWS, "due": DUE, "newest": NEWEST, "by_score": BY_SCORE}


def score(total: int, *, red: bool = False, parameters: int = 7, complete_score=None) -> News2:
    return News2(
        score=total, red_parameter=red, parameters=parameters, complete_score=complete_score
    )


# Every band, complete and not, raised to a complete set's score or not.
SCORES = [
    score(0),
    score(0, parameters=4),
    score(2),
    score(3, red=True),
    score(5),
    score(6, parameters=5, complete_score=6),
    score(7),
    score(9, red=True, parameters=6),
    score(2, parameters=5, complete_score=1),
]


def _row(n: int, *, now: datetime, **values) -> dict:
    last_at = now - timedelta(hours=n % 5, minutes=7 * n)
    due_at = last_at + timedelta(hours=(1, 4, 12)[n % 3])
    return {
        "bed": str(n + 1),
        "name": f"Zoé Ng'ang'a <b>{n}</b>",
        "mrn": f"0{n:05d}",
        "admission_url": f"/wards/admissions/{n}/?a=1&b=<2>",
        "vitals_url": f"/patients/{n}/vitals/" if n % 4 else "",
        "days_in": n * 3,
        "last_vitals_at": last_at,
        "news2": SCORES[n % len(SCORES)],
        "due_at": due_at,
        "overdue": due_at <= now,
        "due_soon": now < due_at <= now + timedelta(hours=1),
        "discharge_ordered": n % 3 == 0,
        "admitted_at": now - timedelta(hours=n * 2, minutes=n),
        "ward_name": "Ward <3> & 'Theatre'",
        **values,
    }


def _rows(now: datetime) -> list[dict]:
    rows = [_row(n, now=now) for n in range(18)]
    # Nothing since admission: due on admission (overdue), or not (a clock a little behind).
    rows.append(_row(18, now=now, last_vitals_at=None, news2=None, due_at=now, overdue=True))
    rows.append(
        _row(19, now=now, last_vitals_at=None, news2=None, due_at=now + timedelta(minutes=5))
        | {"overdue": False}
    )
    return rows


def _same(ours: str, template: str) -> bool:
    return " ".join(ours.split()) == " ".join(template.split())


def _render(source: str, rows: list[dict], now: datetime) -> str:
    context = {"rows": rows, "now": now, "due_soon_minutes": 60}
    with timezone.override(NAIROBI):
        return Template(source).render(Context(context))


@pytest.mark.parametrize("now", [NOW, LATE], ids=["afternoon", "before-midnight"])
@pytest.mark.parametrize("part", ["rows", "due", "newest", "by_score"])
def test_each_part_is_the_html_the_template_wrote(part, now):
    rows = _rows(now)
    if part == "newest":  # the newest admissions are the last 24 hours' (selectors.ward_lists)
        rows = [row for row in rows if row["admitted_at"] > now - timedelta(hours=24)]
        assert rows

    ours = _render(OURS[part], rows, now)

    assert _same(ours, _render(THEIRS[part], rows, now))
    assert "Zoé Ng&#x27;ang&#x27;a &lt;b&gt;" in ours  # escaped, never markup
    assert "<b>" not in ours


@pytest.mark.parametrize("part", ["rows", "due", "newest", "by_score"])
def test_an_empty_list_is_said_as_the_template_said_it(part):
    ours = _render(OURS[part], [], NOW)

    assert _same(ours, _render(THEIRS[part], [], NOW))


def test_a_time_of_the_nurses_lists_says_its_day_when_not_todays():
    just_after_midnight = LATE + timedelta(hours=1)  # 00:30 on Tue 1 Dec
    rows = [
        _row(1, now=just_after_midnight, admitted_at=just_after_midnight - timedelta(hours=2)),
        _row(2, now=just_after_midnight, admitted_at=just_after_midnight - timedelta(minutes=20)),
    ]
    overdue = _row(3, now=just_after_midnight, due_at=LATE - timedelta(hours=1), overdue=True)
    due = _row(4, now=LATE, due_at=LATE + timedelta(minutes=45), overdue=False)

    newest = _render(OURS["newest"], rows, just_after_midnight)
    overdue_line = _render(OURS["due"], [overdue], just_after_midnight)
    due_line = _render(OURS["due"], [due], LATE)

    assert "yesterday 22:30" in newest and "today 00:10" in newest
    assert "overdue yesterday 22:30" in overdue_line
    assert "due yesterday 22:30" in _render(OURS["rows"], [overdue], just_after_midnight)
    assert "due tomorrow 00:15" in due_line


def test_a_set_due_after_midnight_says_its_day():
    row = _row(1, now=LATE, due_at=LATE + timedelta(hours=2), overdue=False)

    ours = _render(OURS["rows"], [row], LATE)

    assert '01:30 <span class="small text-body-secondary">Tue 1 Dec</span>' in ours


@pytest.mark.parametrize("news2", [*SCORES, None], ids=str)
def test_the_news2_badge_is_clinicals_own(news2):
    theirs = Template('{% include "clinical/_news2_badge.html" with score=score %}')

    assert _same(news2_badge(news2), theirs.render(Context({"score": news2})))


def test_the_selectors_rows_read_as_the_template_wrote_them(db, staff):
    ward = WardFactory(name="Medical <Ward>")
    observed(admitted(ward, "2", "Akinyi"), hours_ago=5)
    observed(admitted(ward, "10", "Baraka"), hours_ago=5, pulse=111, spo2=None)
    admitted(ward, "4", "Dalmas", hours_ago=0.5)
    with timezone.override(NAIROBI):
        panel = selectors.ward_patients(staff.nurse, ward_id=ward.pk, now=NOW)
    rows = panel["wards"][0]["rows"]

    for part, shown in [
        ("rows", rows),
        ("due", panel["lists"]["due"]),
        ("newest", panel["lists"]["newest"]),
        ("by_score", panel["lists"]["by_score"]),
    ]:
        assert shown, part
        assert _same(_render(OURS[part], shown, NOW), _render(THEIRS[part], shown, NOW)), part
    assert _render(OURS["rows"], rows, NOW).count('data-testid="record-vitals"') == 3
