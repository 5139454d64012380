"""A machine page's heading and facts are written out in Python (`{% machine_heading %}`,
`{% machine_facts %}`, engineering/templatetags/machine_marks.py): the same HTML the page's
template wrote, for every status and criticality, with and without a department, warranty
(running, ended, none), vendor contact, maintenance plan (due, overdue, none), for those who may
change the plan and those who may not, whatever the names hold, in two time zones."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from accounts.models import Department
from engineering.models import Criticality, Machine, MachineStatus, MachineType

# The markup the tags replaced, as it was (templates/engineering/machine_detail.html).
HEADING = '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">\n      <div>\n        <h1 class="h2 mb-1">{{ machine.name }}</h1>\n        <div class="fs-5"><code class="fs-5">{{ machine.asset_tag }}</code> · {{ machine.get_machine_type_display }}{% if machine.department %} · {{ machine.department }}{% endif %}</div>\n      </div>\n      <div class="text-end">\n        <div class="fs-4">{% machine_status machine %}</div>\n        <div class="text-body-secondary" data-testid="status-since">since {{ machine.status_since|date:"SHORT_DATETIME_FORMAT" }}</div>\n        {% if machine.criticality == "life_support" %}<span class="badge text-bg-danger">Life support</span>{% else %}<span class="small">Criticality: {{ machine.get_criticality_display }}</span>{% endif %}\n      </div>\n    </div>'
FACTS = '<div class="card mb-3"><div class="card-body">\n      <dl class="row mb-0">\n        <dt class="col-5 col-md-4">Manufacturer, model</dt><dd class="col-7 col-md-8">{{ machine.manufacturer|default:"—" }} {{ machine.model_name }}</dd>\n        <dt class="col-5 col-md-4">Serial number</dt><dd class="col-7 col-md-8">{{ machine.serial_number|default:"—" }}</dd>\n        <dt class="col-5 col-md-4">Installed</dt><dd class="col-7 col-md-8">{{ machine.installed_date|date|default:"—" }}</dd>\n        <dt class="col-5 col-md-4">Warranty</dt><dd class="col-7 col-md-8" data-testid="warranty">{% if machine.warranty_end_date %}{% if machine.warranty_end_date >= today %}<span class="badge text-bg-success">Under warranty</span> until {{ machine.warranty_end_date|date }}{% else %}Ended {{ machine.warranty_end_date|date }}{% endif %}{% else %}—{% endif %}</dd>\n        <dt class="col-5 col-md-4">Service vendor</dt><dd class="col-7 col-md-8">{{ machine.service_vendor|default:"—" }}{% if machine.vendor_contact %}<div class="small">{{ machine.vendor_contact }}</div>{% endif %}</dd>\n        <dt class="col-5 col-md-4">Last serviced</dt><dd class="col-7 col-md-8">{{ machine.last_serviced_date|date|default:"—" }}</dd>\n        <dt class="col-5 col-md-4">Preventive maintenance</dt><dd class="col-7 col-md-8" data-testid="pm-plan">{% if machine.pm_interval_days %}every {{ machine.pm_interval_days }} days, {{ pm_step_count }} step{{ pm_step_count|pluralize }} · next due <strong>{{ machine.pm_next_due_date|date }}</strong>{% if machine.pm_next_due_date < today %} <span class="badge text-bg-danger">overdue</span>{% endif %}{% else %}no plan{% endif %}{% if can_manage %} · <a href="{{ links.pm_plan }}" data-testid="pm-plan-edit">{% if machine.pm_interval_days %}change the plan{% else %}make a plan{% endif %}</a>{% endif %}</dd>\n      </dl>\n    </div></div>'
OLD = Template("{% load machine_marks %}" + HEADING + "\n" + FACTS)
NEW = Template(
    "{% load machine_marks %}{% machine_heading machine %}\n"
    "{% machine_facts machine today pm_step_count can_manage links %}"
)
TODAY = date(2026, 3, 10)
LINKS = {"pm_plan": "/engineering/machines/41/plan/?a=1&b=<2>"}


def _machines() -> list[Machine]:
    """Machines of every status, criticality and type, with and without each optional fact,
    markup in every text (not saved: the tags read only the fields)."""
    department = Department(pk=3, name="Radiology <&>")
    warranties = [None, TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=400)]
    plans = [None, 30, 90, 7]  # due after the last service, else the installation or entry
    machines = []
    for n in range(16):
        machines.append(
            Machine(
                pk=40 + n,
                asset_tag=f"RAD-<{n}>&",
                name=["X-ray <room 1>", 'Ultrasound "B"', "Ventilator & co", "ECG"][n % 4],
                machine_type=list(MachineType.values)[n % len(MachineType.values)],
                manufacturer=["Philips", "", "Dräger <GmbH>", "GE"][n % 4],
                model_name=["", "M<2>", "Evita & V", "MAC"][n % 4],
                serial_number=["", "SN-1<a>", "x&y", "42"][n % 4],
                department=department if n % 2 else None,
                criticality=list(Criticality.values)[n % len(Criticality.values)],
                status=list(MachineStatus.values)[n % len(MachineStatus.values)],
                status_since=datetime(2026, 3, 9, 22, 30 + n, tzinfo=ZoneInfo("UTC")),
                installed_date=[None, date(2019, 1, 5), None][n % 3],
                warranty_end_date=warranties[n % 4],
                service_vendor=["", "Vendor <Ltd>", "A & B", "X"][n % 4],
                vendor_contact=["", "", "+254 <700> & co", "x@y"][(n + 1) % 4],
                last_serviced_date=[date(2026, 1, 2), None, None, date(2026, 2, 8)][n % 4],
                pm_interval_days=plans[n % 4],
                registered_at=datetime(2026, 3, 1 + n % 3, 8, tzinfo=ZoneInfo("UTC")),
            )
        )
    return machines


@pytest.mark.parametrize("zone", ["Africa/Nairobi", "America/Lima"])
@pytest.mark.parametrize("can_manage", [True, False])
@pytest.mark.parametrize("pm_step_count", [0, 1, 12])
def test_the_heading_and_facts_are_the_html_the_template_wrote(zone, can_manage, pm_step_count):
    pages = []
    for machine in _machines():
        context = {
            "machine": machine,
            "today": TODAY,
            "pm_step_count": pm_step_count,
            "can_manage": can_manage,
            "links": LINKS,
        }

        with timezone.override(zone):
            written = NEW.render(Context(context))

            assert written == OLD.render(Context(context)), machine.name
        pages.append(written)

    every_case = " ".join(pages)  # the machines cover every branch the markup has
    for shown in [
        "Life support",
        "Criticality:",
        "Radiology &lt;&amp;&gt;",
        "Under warranty",
        "Ended",
        "overdue",
        "next due",
        "no plan",
        "+254 &lt;700&gt; &amp; co",
    ]:
        assert shown in every_case
    assert ("change the plan" in every_case) is ("make a plan" in every_case) is can_manage
