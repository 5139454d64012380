"""A work order's blank forms are written once and kept (hms/templatetags/kept_forms.py):
the same HTML `|as_crispy_field` and `|crispy` write, for every field of every form the page shows,
a checklist step whose text needs escaping, in another language, a bound form written afresh
with its errors, and the overview's days as typed."""

from types import SimpleNamespace

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import translation

from engineering.forms import EscalateForm, PeriodForm, PmCompleteForm, ResolveForm, WorkLogForm
from hms.templatetags import kept_forms

# What the work order's page wrote before, as it was (templates/engineering/work_order_detail.html).
FIELDS = (
    "{% for result, note in complete_form.step_rows %}"
    '<div class="col-12 col-md-5">{{ result|as_crispy_field }}</div>'
    '<div class="col-12 col-md-7">{{ note|as_crispy_field }}</div>{% endfor %}'
    "{{ complete_form.note|as_crispy_field }}"
    "{{ log_form.work_done|as_crispy_field }}{{ log_form.labour_minutes|as_crispy_field }}"
    "{{ log_form.started_at|as_crispy_field }}{{ log_form.ended_at|as_crispy_field }}"
    "{% for name, qty, cost in log_form.part_rows %}{{ name|as_crispy_field }}"
    "{{ qty|as_crispy_field }}{{ cost|as_crispy_field }}{% endfor %}"
    "{{ resolve_form|crispy }}{{ escalate_form|crispy }}"
)
KEPT = (
    FIELDS.replace("|as_crispy_field }}", "|kept_field }}")
    .replace("{{ resolve_form|crispy }}", "{{ resolve_form|kept_form }}")
    .replace("{{ escalate_form|crispy }}", "{{ escalate_form|kept_form }}")
)

STEPS = [
    SimpleNamespace(position=1, text='Check the <b>fuses</b> & the "earth" lead'),
    SimpleNamespace(position=2, text="Calibrate the tube's output"),
]


def _forms(data=None, steps=STEPS) -> dict:
    return {
        "log_form": WorkLogForm(data),
        "escalate_form": EscalateForm(data),
        "resolve_form": ResolveForm(data),
        "complete_form": PmCompleteForm(data, checks=steps),
    }


def _render(source: str, forms: dict) -> str:
    return Template("{% load kept_forms %}" + source).render(Context(forms))


@pytest.fixture(autouse=True)
def _nothing_kept():
    kept_forms._kept.clear()
    yield
    kept_forms._kept.clear()


def test_blank_forms_kept_are_the_html_crispy_wrote():
    before = _render(FIELDS, _forms())
    assert "&lt;b&gt;fuses&lt;/b&gt; &amp; the &quot;earth&quot; lead" in before
    assert _render(KEPT, _forms()) == before
    assert kept_forms._kept  # kept ...
    assert _render(KEPT, _forms()) == before  # ... and written from the store the same


def test_each_checklist_is_written_with_its_own_steps():
    _render(KEPT, _forms())
    other = [SimpleNamespace(position=1, text="Replace the filter"), *STEPS[1:]]
    assert _render(KEPT, _forms(steps=other)) == _render(FIELDS, _forms(steps=other))
    assert "Replace the filter" in _render(KEPT, _forms(steps=other))


def test_a_bound_form_is_written_afresh_with_its_errors():
    _render(KEPT, _forms())
    posted = {"work_done": "", "labour_minutes": "x", "step_1_result": "fail", "part_1_qty": "2"}
    kept = _render(KEPT, _forms(posted))
    assert kept == _render(FIELDS, _forms(posted))
    assert "Say what was done." in kept
    assert "Step 1 failed: say what was wrong." in kept


def test_another_language_is_kept_apart():
    with translation.override("en-gb"):
        english = _render(KEPT, _forms())
    with translation.override("fr"):
        assert _render(KEPT, _forms()) == _render(FIELDS, _forms())
    with translation.override("en-gb"):
        assert _render(KEPT, _forms()) == english


def test_the_store_is_emptied_when_full(monkeypatch):
    monkeypatch.setattr(kept_forms, "KEPT_MAX", 3)
    assert _render(KEPT, _forms()) == _render(FIELDS, _forms())
    assert len(kept_forms._kept) <= 3


PERIOD = "{{ form.start|as_crispy_field }}{{ form.end|as_crispy_field }}"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"start": "01/11/2026", "end": "30/11/2026"},
        {"start": "01/11/2026", "end": "<b>x</b>"},
        {"start": "31/12/2099", "end": "01/01/2100"},
        {"start": "05/11/2026", "end": "01/11/2026"},
    ],
)
@pytest.mark.django_db
def test_the_overviews_days_kept_are_the_html_crispy_wrote(query):
    data = QueryDict(mutable=True)
    data.update(query)
    kept = PERIOD.replace("|as_crispy_field }}", "|kept_field }}")
    for _ in range(2):  # written, then from the store
        form = PeriodForm(data)
        form.is_valid()
        assert _render(kept, {"form": form}) == _render(PERIOD, {"form": form})


# The page's checklist and parts loops as they were, and the tags that write them now.
ROW_LOOPS = """      {% for result, note in complete_form.step_rows %}
      <div class="row g-2 border-bottom mb-2" data-testid="pm-step"><div class="col-12 col-md-5">{{ result|kept_field }}</div><div class="col-12 col-md-7">{{ note|kept_field }}</div></div>
      {% empty %}<p class="text-body-secondary">This machine's plan has no checklist: say what was done below.</p>{% endfor %}
|      {% for name, qty, cost in log_form.part_rows %}
      <div class="row g-2"><div class="col-6">{{ name|kept_field }}</div><div class="col-3">{{ qty|kept_field }}</div><div class="col-3">{{ cost|kept_field }}</div></div>
      {% endfor %}
"""  # noqa: E501
ROW_TAGS = """{% load work_rows %}      {% step_field_rows complete_form %}
|      {% part_field_rows log_form %}
"""


@pytest.mark.parametrize("steps", [STEPS, []])
@pytest.mark.parametrize(
    "posted", [None, {"work_done": "", "step_1_result": "fail", "part_1_qty": "2<script>"}]
)
def test_the_checklist_and_parts_rows_are_the_html_the_loops_wrote(steps, posted):
    for _ in range(2):  # written, then (a blank form) from the store
        tags = _render(ROW_TAGS, _forms(posted, steps))
        assert tags == _render(ROW_LOOPS, _forms(posted, steps))
    assert ("fuses" in tags) == bool(steps)
    assert ("Step 1 failed" in tags) == bool(posted and steps)
    other = [SimpleNamespace(position=1, text="Replace the <filter> & seal")]
    assert _render(ROW_TAGS, _forms(posted, other)) == _render(ROW_LOOPS, _forms(posted, other))


@pytest.mark.parametrize("chosen", [None, "first", "999", "<b>x</b>"])
@pytest.mark.django_db
def test_the_overviews_department_select_kept_is_the_html_crispy_wrote(chosen):
    from accounts.models import Department

    first = Department.objects.create(name="Theatre <b>&</b> recovery", code="THR")
    Department.objects.create(name="Anaesthesia", code="ANA")
    data = QueryDict(mutable=True)
    if chosen:
        data["department"] = str(first.pk) if chosen == "first" else chosen
    source = "{{ form.department|as_crispy_field }}"
    crispy = PeriodForm(data)
    crispy.is_valid()
    before = _render(source, {"form": crispy})
    for _ in range(2):  # written, then (with no refusal) from the store
        form = PeriodForm(data)
        form.is_valid()
        form.list_departments()
        assert _render(source.replace("as_crispy", "kept"), {"form": form}) == before
    assert "Theatre &lt;b&gt;&amp;&lt;/b&gt; recovery" in before
    assert (f'value="{first.pk}" selected' in before) == (chosen == "first")
