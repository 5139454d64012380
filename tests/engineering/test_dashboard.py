"""The engineer's dashboard: their open work orders, the queue by priority, machines down (the most
critical first) and warranties ending within 60 days, in a constant number of queries."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from engineering import services
from tests.engineering.conftest import register


def test_the_engineers_dashboard_loads_engineerings_panel_and_listens_to_it(staff, client_for):
    page = client_for(staff.engineer).get(reverse("dashboard")).content.decode()

    assert reverse("engineering_summary") in page
    assert "topics=engineering" in page


def test_the_panel_shows_my_work_the_queue_machines_down_and_warranties_ending(staff, client_for):
    today = timezone.localdate()
    pump = register(
        staff.engineer, tag="PUMP-1", name="Infusion pump", machine_type="infusion_pump"
    )
    ventilator = register(
        staff.engineer,
        tag="VENT-1",
        name="ICU ventilator",
        machine_type="ventilator",
        criticality="life_support",
        warranty_end_date=today + timedelta(days=30),
    )
    register(
        staff.engineer, tag="MON-1", name="Old monitor", warranty_end_date=today - timedelta(days=1)
    )
    register(
        staff.engineer, tag="CT-1", name="CT scanner", warranty_end_date=today + timedelta(days=61)
    )
    mine = services.fault_request_raise(
        actor=staff.nurse, machine=pump, description="Occlusion alarm", unusable=True
    )
    services.fault_request_take(actor=staff.engineer, fault_request=mine)
    services.fault_request_raise(
        actor=staff.nurse,
        machine=ventilator,
        description="Leak alarm",
        unusable=True,
        priority="urgent",
    )

    response = client_for(staff.engineer).get(reverse("engineering_summary"))

    context = response.context
    assert [w.machine.asset_tag for w in context["mine"]] == ["PUMP-1"]
    assert [f.machine.asset_tag for f in context["queue"]] == ["VENT-1"]
    assert ("urgent", "Urgent", 1) in context["counts"]
    assert [m.asset_tag for m in context["down"]] == ["VENT-1", "PUMP-1"]  # life support first
    assert [m.asset_tag for m in context["warranties"]] == ["VENT-1"]


def test_the_panel_keeps_its_query_count_with_many_machines_and_requests(
    staff, client_for, django_assert_max_num_queries
):
    today = timezone.localdate()
    for n in range(40):
        machine = register(
            staff.engineer,
            tag=f"MON-{n:03d}",
            name=f"Monitor {n}",
            machine_type="monitor",
            warranty_end_date=today + timedelta(days=n),
        )
        fault = services.fault_request_raise(
            actor=staff.nurse, machine=machine, description="No trace", unusable=n % 2 == 0
        )
        if n % 3 == 0:
            services.fault_request_take(actor=staff.engineer, fault_request=fault)
    engineer = client_for(staff.engineer)

    with django_assert_max_num_queries(16):
        response = engineer.get(reverse("engineering_summary"))

    page = response.content.decode()
    assert response.context["down"].count == 20 and response.context["warranties"].count == 40
    assert "5 of 20" in page


def test_only_engineers_and_the_administrator_see_the_panel(staff, client_for):
    assert client_for(staff.nurse).get(reverse("engineering_summary")).status_code == 403
    assert client_for(staff.admin).get(reverse("engineering_summary")).status_code == 200


def test_a_cut_panel_leads_to_every_machine_down_and_every_warranty_ending(staff, client_for):
    """Seven machines down and seven warranties ending: the panels show five of each and lead to
    the register filtered to all seven."""
    today = timezone.localdate()
    for n in range(7):
        machine = register(
            staff.engineer,
            tag=f"PUMP-{n}",
            name=f"Pump {n}",
            warranty_end_date=today + timedelta(days=50 - n),
        )
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status="out_of_order", reason="Broken"
        )
    register(staff.engineer, tag="MON-1", name="Monitor", warranty_end_date=today + timedelta(90))
    engineer = client_for(staff.engineer)
    panel = engineer.get(reverse("engineering_summary")).content.decode()

    down_url = reverse("machine_list") + "?status=down"
    ending_url = reverse("machine_list") + "?warranty=ending"
    assert panel.count('data-testid="more">5 of 7') == 2
    assert f'href="{down_url}"' in panel and f'href="{ending_url}"' in panel
    down = engineer.get(down_url).content.decode()
    assert down.count('data-testid="machine-row"') == 7 and "Monitor" not in down
    ending = engineer.get(ending_url).content.decode()
    assert ending.count('data-testid="warranty-ends"') == 7 and "Monitor" not in ending
    assert ending.index("Pump 6") < ending.index("Pump 0")  # the soonest end first
    assert 'data-testid="warranty-filter"' in ending
