"""The fault form on a machine's page, the engineers' queue, a work order's page: refusals beside
their field with what was typed kept, 403 for roles that may not, a double tap acting once, and
the queue's query count independent of its length."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engineering import live, services
from engineering.models import FaultRequest, WorkLogEntry, WorkOrder
from hms import realtime
from tests.engineering.conftest import register

FAULT = {"description": "Alarm sounds with no cause", "unusable": "yes", "priority": "urgent"}


def test_a_nurse_reports_a_fault_from_the_machines_page(staff, client_for, machine):
    response = client_for(staff.nurse).post(
        reverse("fault_raise", args=[machine.pk]), FAULT, follow=True
    )

    fault = FaultRequest.objects.get()
    page = response.content.decode()
    assert fault.unusable and fault.priority == "urgent"
    assert f"{fault.number} sent to engineering" in page
    assert 'data-testid="open-request"' in page and "Out of order" in page


def test_a_report_without_what_is_wrong_says_so_beside_it_and_keeps_the_choices(
    staff, client_for, machine
):
    response = client_for(staff.nurse).post(
        reverse("fault_raise", args=[machine.pk]), FAULT | {"description": "  "}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_description"' in page and "Say what is wrong" in page
    assert 'value="urgent" selected' in page
    assert not FaultRequest.objects.exists()


def test_the_same_report_sent_twice_is_one_request(staff, client_for, machine):
    nurse = client_for(staff.nurse)
    form = FAULT | {"submission": str(uuid.uuid4())}

    nurse.post(reverse("fault_raise", args=[machine.pk]), form)
    second = nurse.post(reverse("fault_raise", args=[machine.pk]), form, follow=True)

    assert FaultRequest.objects.count() == 1
    assert "arrived twice; it was done once" in second.content.decode()


def test_a_patient_may_not_report_or_open_a_machine(staff, client_for, machine):
    portal = client_for(staff.patient_user)

    assert portal.post(reverse("fault_raise", args=[machine.pk]), FAULT).status_code == 403
    assert portal.get(machine.get_absolute_url()).status_code == 403
    assert not FaultRequest.objects.exists()


@pytest.fixture
def fault(staff, machine):
    return services.fault_request_raise(
        actor=staff.nurse, machine=machine, description="No power", unusable=True
    )


def test_an_engineer_takes_a_request_from_the_queue_and_lands_on_the_work_order(
    staff, client_for, fault
):
    response = client_for(staff.engineer).post(reverse("request_take", args=[fault.pk]))

    work_order = WorkOrder.objects.get()
    assert response["Location"] == work_order.get_absolute_url()


def test_taking_a_request_someone_has_says_who_and_goes_back_to_the_queue(
    staff, client_for, fault, make_user
):
    services.fault_request_take(actor=staff.engineer, fault_request=fault)
    colleague = client_for(make_user("engineer"))

    response = colleague.post(reverse("request_take", args=[fault.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("work_queue")
    assert f"Samuel Njoroge took {fault.number}" in response.content.decode()
    assert WorkOrder.objects.count() == 1


def test_a_double_tap_on_take_takes_it_once(staff, client_for, fault):
    engineer = client_for(staff.engineer)
    form = {"submission": str(uuid.uuid4())}

    first = engineer.post(reverse("request_take", args=[fault.pk]), form)
    second = engineer.post(reverse("request_take", args=[fault.pk]), form)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    "role", ["doctor", "nurse", "receptionist", "lab_technician", "accountant"]
)
def test_other_staff_may_not_take_or_work_on_requests(staff, client_for, fault, role):
    client = client_for(getattr(staff, role))
    work_order = services.fault_request_take(actor=staff.admin, fault_request=fault)

    assert client.get(reverse("work_queue")).status_code == 403
    assert client.get(work_order.get_absolute_url()).status_code == 403
    assert (
        client.post(
            reverse("work_order_resolve", args=[work_order.pk]), {"resolution": "x"}
        ).status_code
        == 403
    )
    work_order.refresh_from_db()
    assert work_order.status == "in_progress"


@pytest.fixture
def work_order(staff, fault):
    # Reported three hours ago: the work logged below starts after it.
    FaultRequest.objects.filter(pk=fault.pk).update(raised_at=timezone.now() - timedelta(hours=3))
    fault.refresh_from_db()
    return services.fault_request_take(actor=staff.engineer, fault_request=fault)


def _log_form(**change) -> dict:
    start = timezone.localtime() - timedelta(hours=2)
    return {
        "work_done": "Replaced the power supply",
        "labour_minutes": "60",
        "started_at": start.strftime("%d/%m/%Y %H:%M"),
        "ended_at": (start + timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
        "part_1_name": "PSU 12V",
        "part_1_qty": "1",
        "part_1_cost": "3200.50",
    } | change


def test_an_engineer_logs_work_with_a_part(staff, client_for, work_order):
    response = client_for(staff.engineer).post(
        reverse("work_log_add", args=[work_order.pk]), _log_form(), follow=True
    )

    entry = WorkLogEntry.objects.get()
    assert entry.labour_minutes == 60 and entry.parts.get().name == "PSU 12V"
    assert "KES 3,200.50" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"part_1_cost": "12.345"}, "part_1_cost", "cents"),
        ({"part_1_qty": ""}, "part_1_qty", "How many?"),
        ({"labour_minutes": "1_0"}, "labour_minutes", ""),
        ({"ended_at": "31/02/2026 10:00"}, "ended_at", "day/month/year hours:minutes"),
        (
            {
                "started_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "ended_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            },
            "started_at",
            "future",
        ),
        (
            {"started_at": "01/01/1900 08:00", "ended_at": "01/01/1900 09:00"},
            "started_at",
            "cannot have started before FR-",
        ),
        ({"labour_minutes": "600"}, "labour_minutes", "at most 60 minutes"),
    ],
)
def test_a_log_form_refused_keeps_every_value_and_names_the_field(
    staff, client_for, work_order, change, field, message
):
    response = client_for(staff.engineer).post(
        reverse("work_log_add", args=[work_order.pk]), _log_form(**change)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="error_1_id_{field}"' in page and message in page
    assert "Replaced the power supply" in page and 'value="PSU 12V"' in page
    assert not WorkLogEntry.objects.exists()


def test_an_engineer_escalates_then_resolves_and_the_machine_is_back(
    staff, client_for, work_order, machine
):
    engineer = client_for(staff.engineer)

    engineer.post(
        reverse("work_order_escalate", args=[work_order.pk]), {"vendor_reference": "GE-4471"}
    )
    page = engineer.post(
        reverse("work_order_resolve", args=[work_order.pk]),
        {"resolution": "Vendor replaced the board"},
        follow=True,
    ).content.decode()

    machine.refresh_from_db()
    assert machine.status == "operational"
    assert "GE-4471" in page and "Vendor replaced the board" in page


def test_an_end_before_the_start_is_said_with_the_forms_other_refusals_at_once(
    staff, client_for, work_order
):
    start = timezone.localtime() - timedelta(hours=2)

    response = client_for(staff.engineer).post(
        reverse("work_log_add", args=[work_order.pk]),
        _log_form(
            ended_at=(start - timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"), part_1_cost="1.001"
        ),
    )

    page = response.content.decode()
    assert 'id="error_1_id_ended_at"' in page and "The work ends after it starts." in page
    assert 'id="error_1_id_part_1_cost"' in page
    assert not WorkLogEntry.objects.exists()


def test_an_escalation_without_a_reference_says_so_beside_the_field(staff, client_for, work_order):
    response = client_for(staff.engineer).post(
        reverse("work_order_escalate", args=[work_order.pk]), {"vendor_reference": ""}
    )

    assert response.status_code == 200
    assert 'id="error_1_id_vendor_reference"' in response.content.decode()


def test_the_queue_keeps_its_query_count_with_many_requests_and_work_orders(
    staff, client_for, django_assert_max_num_queries
):
    for n in range(60):
        machine = register(staff.engineer, tag=f"PUMP-{n:03d}", name=f"Pump {n}")
        for m in range(2):
            fault = services.fault_request_raise(
                actor=staff.nurse,
                machine=machine,
                description=f"Occlusion alarm {m}",
                unusable=False,
                priority=["urgent", "high", "normal", "low"][(n + m) % 4],
            )
            if m == 1 and n < 30:
                services.fault_request_take(actor=staff.engineer, fault_request=fault)
    engineer = client_for(staff.engineer)

    with django_assert_max_num_queries(14):
        response = engineer.get(reverse("work_queue"), {"page": "2"})

    assert "51–90 of 90" in response.content.decode()
    assert response.context["mine"].count == 30
    ranks = [f.priority_rank for f in response.context["requests"]]
    assert ranks == sorted(ranks)


def test_the_machine_page_keeps_its_query_count_with_a_long_history(
    staff, client_for, machine, django_assert_max_num_queries
):
    for n in range(40):
        services.machine_status_change(
            actor=staff.engineer,
            machine=machine,
            to_status=["out_of_order", "operational"][n % 2],
            reason=f"Change {n}",
        )
    for _ in range(10):
        services.fault_request_raise(
            actor=staff.nurse, machine=machine, description="Noise", unusable=False
        )
    nurse = client_for(staff.nurse)

    # 17: the page's 12, its maintenance plan's steps, and its downtime figures (4 queries for
    # both periods, whatever the length of its history).
    with django_assert_max_num_queries(17):
        response = nurse.get(machine.get_absolute_url())

    assert "1–20 of 41" in response.content.decode()


def test_a_report_refreshes_the_engineers_screens_and_the_machines_page(
    staff, machine, monkeypatch, django_capture_on_commit_callbacks
):
    groups = set()
    monkeypatch.setattr(realtime, "send_now", lambda group, message: groups.add(group) or True)

    with django_capture_on_commit_callbacks(execute=True):
        services.fault_request_raise(
            actor=staff.nurse, machine=machine, description="Smoke", unusable=True
        )

    assert {live.ENGINEERING_TOPIC, live.machine_topic(machine.pk)} <= groups
    assert f"user.{staff.engineer.pk}" in groups  # the engineers' bell


def test_engineers_join_the_queue_topic_and_every_member_of_staff_a_machines_page(staff, machine):
    assert live.may_join_engineering(staff.engineer, "engineering")
    assert not live.may_join_engineering(staff.nurse, "engineering")
    assert live.may_join_engineering(staff.nurse, live.machine_topic(machine.pk))
    assert not live.may_join_engineering(staff.patient_user, live.machine_topic(machine.pk))
    assert not live.may_join_engineering(staff.nurse, "engineering.machine.x")


def test_the_live_panels_fetch_only_their_fragment(staff, client_for, machine, fault):
    engineer = client_for(staff.engineer)
    headers = {"HX-Request": "true", "X-HMS-Background": "1"}

    panel = engineer.get(
        machine.get_absolute_url(), headers=headers | {"HX-Target": f"machine-{machine.pk}"}
    )
    queue = engineer.get(reverse("work_queue"), headers=headers | {"HX-Target": "queue"})

    assert "<html" not in panel.content.decode() and fault.number in panel.content.decode()
    assert "<html" not in queue.content.decode() and fault.number in queue.content.decode()
