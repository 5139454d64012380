"""An audit entry's row written in Python (hms/templatetags/audit_marks.py) is the markup of the
template it replaced (kept here, frozen), for the viewer's rows and the live row (issue 14,
session 29)."""

import datetime

import pytest
from django.template import engines
from django.urls import set_script_prefix
from django.utils import timezone, translation

from hms.audit import live_row_html
from hms.models import AuditEntry
from hms.templatetags.audit_marks import audit_row_html

OLD_ROW = """<tr>
  <td><a href="{% url 'audit_list' %}?entry={{ entry.id }}">{{ entry.id }}</a></td>
  <td class="text-nowrap">{{ entry.at|date:"d M Y H:i:s" }}</td>
  <td>{{ entry.actor_username|default:"system" }}</td>
  <td class="small">{{ entry.actor_role }}</td>
  <td><code>{{ entry.action }}</code></td>
  <td>{{ entry.object_type }}{% if entry.object_id %} {{ entry.object_id }}{% endif %}{% if entry.object_repr %}<div class="small text-body-secondary">{{ entry.object_repr }}</div>{% endif %}</td>
  <td class="small">{% if entry.patient_id %}<a href="{% url 'audit_patient' entry.patient_id %}" title="This patient's access history">{{ entry.patient_id|truncatechars:9 }}</a>{% endif %}</td>
  <td class="small">{{ entry.ip }}{% if entry.user_agent %}<div class="text-body-secondary text-truncate audit-agent" title="{{ entry.user_agent }}">{{ entry.user_agent }}</div>{% endif %}</td>
  <td class="small">{% if entry.before or entry.after %}<details><summary>show</summary>{% if entry.before %}<div><strong>before</strong> <code>{{ entry.before }}</code></div>{% endif %}{% if entry.after %}<div><strong>after</strong> <code>{{ entry.after }}</code></div>{% endif %}</details>{% endif %}</td>
</tr>
"""

OLD_LIVE = """<tbody hx-swap-oob="afterbegin:#audit-tbody">{% include row %}</tbody>
"""

AT = datetime.datetime(2026, 12, 4, 4, 3, 56, 123456, tzinfo=datetime.UTC)


def _entries() -> list[AuditEntry]:
    plain = AuditEntry(
        id=7,
        at=AT,
        actor_username="",
        actor_role="",
        action="patient.view",
        object_type="",
    )
    full = AuditEntry(
        id=1234567,
        at=AT,
        actor_username="o'neil<b>\"",
        actor_role="doctor",
        action="billing.payment_take",
        object_type="billing.Payment",
        object_id="42",
        object_repr='KES 1,000.00 <script>alert("x")</script>',
        patient_id="8a7e2c26-cef8-4c8a-86b6-98cb25d402b5",
        before={"status": "issued", "note": "<i>&</i>"},
        after={"status": "paid", "amount": "1000.00"},
        ip="192.168.1.20",
        user_agent='Mozilla/5.0 "Tablet" <x>',
    )
    no_ip = AuditEntry(
        id=99,
        at=AT,
        actor_username="nurse",
        actor_role="nurse",
        action="x",
        object_id="0",
        object_type="wards.Bed",
        patient_id="short",
        after={"a": 1},
        ip=None,
    )
    return [plain, full, no_ip]


def _old(entry) -> str:
    return engines["django"].from_string(OLD_ROW).render({"entry": entry})


@pytest.mark.parametrize("zone", ["Africa/Nairobi", "UTC", "America/Lima"])
@pytest.mark.parametrize("language", ["en-gb", "fr", "sw"])
def test_each_row_is_the_old_templates(zone, language):
    with timezone.override(zone), translation.override(language):
        for entry in _entries():
            assert audit_row_html(entry) == _old(entry)


def test_under_a_base_path_the_links_are_the_old_templates():
    set_script_prefix("/hms/")
    try:
        for entry in _entries():
            assert audit_row_html(entry) == _old(entry)
            assert "/hms/" in audit_row_html(entry)
    finally:
        set_script_prefix("/")


def test_the_live_row_is_the_old_templates():
    engine = engines["django"]
    for entry in _entries():
        old = engine.from_string(OLD_LIVE.replace("{% include row %}", OLD_ROW)).render(
            {"entry": entry}
        )
        assert live_row_html(entry) == old
