"""The asset register's rows are written out in Python (engineering/templatetags/machine_marks.py,
`{% machine_rows %}`): the same HTML the template wrote, for every status, criticality and
warranty column, whatever the names hold; and the register still lists its machines."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.models import Department
from engineering.models import Criticality, Machine, MachineStatus, MachineType
from engineering.templatetags.machine_marks import machine_rows, machine_status

# The template the tag replaced, as it was (templates/engineering/machine_list.html's loop, with
# engineering/_status.html included).
ROWS = Template(
    "{% for machine in machines %}"
    '<tr data-testid="machine-row" data-tag="{{ machine.asset_tag }}">'
    '<td><a class="fw-semibold" href="{% url \'machine_detail\' machine.pk %}">{{ machine.name }}'
    '</a>{% if machine.manufacturer %}<div class="small text-body-secondary">'
    "{{ machine.manufacturer }} {{ machine.model_name }}</div>{% endif %}</td>"
    "<td><code>{{ machine.asset_tag }}</code></td>"
    "<td>{{ machine.get_machine_type_display }}</td>"
    '<td>{{ machine.department|default:"—" }}</td>'
    '<td>{% if machine.criticality == "life_support" %}<span class="badge text-bg-danger">Life'
    " support</span>{% else %}{{ machine.get_criticality_display }}{% endif %}</td>"
    "<td><span class=\"badge {% if machine.status == 'operational' %}text-bg-success{% elif"
    " machine.status == 'maintenance' %}text-bg-warning{% else %}text-bg-danger{% endif %}\""
    ' data-testid="machine-status">{{ machine.get_status_display }}</span>'
    '{% if machine.is_down %}<div class="small text-body-secondary">since'
    ' {{ machine.status_since|date:"j M H:i" }}</div>{% endif %}</td>'
    '{% if filters.warranty_ending %}<td data-testid="warranty-ends">'
    "{{ machine.warranty_end_date|date }}{% if machine.service_vendor %}"
    '<div class="small text-body-secondary">{{ machine.service_vendor }}</div>{% endif %}</td>'
    "{% endif %}</tr>"
    '{% empty %}<tr><td colspan="6" class="text-body-secondary">No machine matches.</td></tr>'
    "{% endfor %}"
)


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def _machines() -> list[Machine]:
    """One machine of each status and criticality, with and without a maker, a department, a
    warranty and a vendor, markup in the names (not saved: the rows read only the fields)."""
    statuses = list(MachineStatus.values)
    criticalities = list(Criticality.values)
    department = Department(pk=3, name="Radiology <&>")
    return [
        Machine(
            pk=40 + n,
            asset_tag=f"RAD-{n:03d}",
            name=["X-ray <room 1>", 'Ultrasound "B"', "Ventilator & co", "ECG"][n],
            machine_type=list(MachineType.values)[n],
            manufacturer=["Philips", "", "Dräger <GmbH>", "GE"][n],
            model_name=["DigitalDiagnost", "", "Evita V300", "MAC 2000"][n],
            department=department if n % 2 == 0 else None,
            criticality=criticalities[n % len(criticalities)],
            status=statuses[n % len(statuses)],
            # 21:30 UTC is the next day in Nairobi: the zone is the hospital's.
            status_since=datetime(2026, 11, 20 + n, 21, 30, tzinfo=ZoneInfo("UTC")),
            warranty_end_date=date(2027, n + 1, 15) if n != 1 else None,
            service_vendor=["Medequip <Ltd>", "", "", "Crown Healthcare"][n],
        )
        for n in range(4)
    ]


@pytest.mark.parametrize("warranty", [False, True])
def test_the_register_rows_are_the_html_the_template_wrote(warranty, settings):
    settings.TIME_ZONE = "Africa/Nairobi"
    machines = _machines()
    context = Context({"machines": machines, "filters": {"warranty_ending": warranty}})

    assert _same(machine_rows(machines, warranty)) == _same(ROWS.render(context))


# engineering/_status.html as it was, before `{% machine_status machine %}` replaced it.
STATUS = Template(
    "<span class=\"badge {% if machine.status == 'operational' %}text-bg-success{% elif"
    " machine.status == 'maintenance' %}text-bg-warning{% else %}text-bg-danger{% endif %}\""
    ' data-testid="machine-status">{{ machine.get_status_display }}</span>'
)


def test_one_machines_status_badge_is_the_html_the_template_wrote_for_every_status():
    for status in MachineStatus.values:
        machine = Machine(name="X-ray <room 1>", status=status)

        assert _same(machine_status(machine)) == _same(STATUS.render(Context({"machine": machine})))
    assert "text-bg-danger" in machine_status(Machine(status=MachineStatus.values[-1]))


def test_no_machine_says_so_as_the_template_did():
    context = Context({"machines": [], "filters": {}})

    assert _same(machine_rows([])) == _same(ROWS.render(context))


def test_the_register_lists_its_machines(client_for, staff):
    from engineering import services

    machine = services.machine_register(
        actor=staff.engineer,
        asset_tag="LAB-007",
        name="Haematology analyser",
        machine_type=MachineType.values[0],
        criticality=Criticality.HIGH,
    )

    page = client_for(staff.engineer).get(reverse("machine_list")).content.decode()

    assert f'data-tag="{machine.asset_tag}"' in page
    assert f'href="{reverse("machine_detail", args=[machine.pk])}">Haematology analyser</a>' in page
