"""Imaging orders and machines that are down: an X-ray ordered while every X-ray machine is out of
order or under maintenance is refused, naming the machines, their status and since when; the
doctor may still order it "to be done when the machine is back", with a reason the lab sees; and
the worklist and the order form carry a banner of the imaging machines down, refreshed live."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from billing.models import Charge
from engineering import services as engineering
from engineering.models import Machine, MachineStatus
from hms import rbac, realtime
from hms.models import AuditEntry
from lab import live, services
from lab.models import TestOrder
from tests.lab.conftest import make_patient, order


@pytest.fixture
def engineer(make_user):
    return make_user(rbac.ENGINEER, first_name="Samuel", last_name="Njoroge")


@pytest.fixture
def xray_room(engineer):
    return engineering.machine_register(
        actor=engineer, name="X-ray room 1", asset_tag="RAD-XR-01", machine_type="xray"
    )


def set_status(engineer, machine, to_status, reason="Generator fault"):
    engineering.machine_status_change(
        actor=engineer, machine=machine, to_status=to_status, reason=reason
    )
    machine.refresh_from_db()
    return machine


def since_text(machine) -> str:
    return formats.date_format(timezone.localtime(machine.status_since), "DATETIME_FORMAT")


def order_form(visit, *tests, **fields) -> dict:
    return {"encounter": visit.pk, "tests": [t.pk for t in tests], "priority": "urgent"} | fields


# --- refused, named, and accepted when one machine works --------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (MachineStatus.OUT_OF_ORDER, "out of order"),
        (MachineStatus.UNDER_MAINTENANCE, "under maintenance"),
    ],
)
def test_an_xray_is_refused_while_every_xray_machine_is_down_naming_them(
    staff, catalog, engineer, xray_room, status, label
):
    set_status(engineer, xray_room, status)
    patient = make_patient()

    with pytest.raises(services.MachineUnavailable) as refused:
        order(staff, catalog, patient, "XR-CHEST")

    sentence = str(refused.value)
    assert "No X-ray machine is working" in sentence
    assert f"X-ray room 1 (RAD-XR-01) {label} since {since_text(xray_room)}" in sentence
    assert not TestOrder.objects.filter(patient=patient).exists()
    assert not Charge.objects.filter(patient=patient).exists()


def test_an_xray_is_accepted_when_one_xray_machine_is_operational(
    staff, catalog, engineer, xray_room
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    engineering.machine_register(
        actor=engineer, name="Mobile X-ray", asset_tag="RAD-XR-02", machine_type="xray"
    )

    (xray,) = order(staff, catalog, make_patient(), "XR-CHEST")

    assert xray.machine_wait_reason == ""


def test_a_laboratory_test_never_asks_about_machines(staff, catalog, engineer, xray_room):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)

    (cbc,) = order(staff, catalog, make_patient(), "CBC")

    assert cbc.machine_wait_reason == ""


def test_an_xray_is_accepted_again_once_the_machine_is_back(staff, catalog, engineer, xray_room):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    set_status(engineer, xray_room, MachineStatus.OPERATIONAL, reason="Generator replaced")

    (xray,) = order(staff, catalog, make_patient(), "XR-CHEST")

    assert xray.status == "pending"


# --- "to be done when the machine is back" -----------------------------------------------------


def test_ordered_when_back_with_a_reason_stores_and_audits_it_on_the_waiting_test_only(
    staff, catalog, engineer, xray_room
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)

    xray, cbc = order(
        staff,
        catalog,
        make_patient(),
        "XR-CHEST",
        "CBC",
        when_machine_back=True,
        machine_wait_reason="  Pre-op film needed before Friday's list  ",
    )

    assert xray.machine_wait_reason == "Pre-op film needed before Friday's list"
    assert cbc.machine_wait_reason == ""
    audit = AuditEntry.objects.get(action="lab.order", object_id=str(xray.pk))
    assert audit.after["machine_wait_reason"] == "Pre-op film needed before Friday's list"
    assert audit.after["machines_down"][0].startswith("RAD-XR-01 out_of_order since ")
    assert (
        "machine_wait_reason"
        not in AuditEntry.objects.get(action="lab.order", object_id=str(cbc.pk)).after
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_ordered_when_back_without_a_reason_is_refused_beside_the_reason(
    staff, catalog, engineer, xray_room, reason
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    patient = make_patient()

    with pytest.raises(services.LabError) as refused:
        order(
            staff, catalog, patient, "XR-CHEST", when_machine_back=True, machine_wait_reason=reason
        )

    assert refused.value.field == "machine_wait_reason"
    assert "Say why it is ordered now" in str(refused.value)
    assert not TestOrder.objects.filter(patient=patient).exists()


def test_the_form_refuses_then_offers_when_back_keeping_what_was_typed(
    staff, catalog, consultation, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    visit = consultation(make_patient())
    doctor = client_for(staff["doctor"])
    before = doctor.get(reverse("lab_order_new"), {"encounter": visit.pk}).content.decode()

    refused = doctor.post(
        reverse("lab_order_new"),
        order_form(visit, catalog["XR-CHEST"], catalog["CBC"], clinical_notes="Cough 3 weeks"),
    )

    page = refused.content.decode()
    assert 'data-testid="machine-wait"' not in before
    assert refused.status_code == 200
    assert 'data-testid="order-error"' in page
    assert f"X-ray room 1 (RAD-XR-01) out of order since {since_text(xray_room)}" in page
    assert 'data-testid="machine-wait"' in page and 'name="when_machine_back"' in page
    assert f'id="test-{catalog["XR-CHEST"].pk}" checked' in page
    assert f'id="test-{catalog["CBC"].pk}" checked' in page
    assert "Cough 3 weeks" in page and 'id="priority-urgent" checked' in page
    assert not TestOrder.objects.exists()


def test_ticked_without_a_reason_the_form_says_so_beside_the_reason(
    staff, catalog, consultation, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    visit = consultation(make_patient())

    page = client_for(staff["doctor"]).post(
        reverse("lab_order_new"),
        order_form(visit, catalog["XR-CHEST"], when_machine_back="on", machine_wait_reason=""),
    )

    html = page.content.decode()
    reason_field = html.split('name="machine_wait_reason"')[1][:1500]
    assert "Say why it is ordered now" in reason_field
    assert (
        'name="when_machine_back"' in html
        and "checked" in html.split('name="when_machine_back"')[1][:200]
    )
    assert not TestOrder.objects.exists()


def test_an_over_long_reason_is_refused_beside_it_and_kept(
    staff, catalog, consultation, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    visit = consultation(make_patient())
    typed = "Needed before surgery " * 12

    page = client_for(staff["doctor"]).post(
        reverse("lab_order_new"),
        order_form(visit, catalog["XR-CHEST"], when_machine_back="on", machine_wait_reason=typed),
    )

    html = page.content.decode()
    assert "Reason: at most 200 characters (this has 263)" in html
    assert typed.strip() in html
    assert not TestOrder.objects.exists()


def test_ordered_when_back_through_the_form_once_however_often_it_is_sent(
    staff, catalog, consultation, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    visit = consultation(make_patient())
    doctor = client_for(staff["doctor"])
    form = order_form(
        visit,
        catalog["XR-CHEST"],
        when_machine_back="on",
        machine_wait_reason="Suspected TB: film as soon as it is back",
        submission="6a1f0c4e-2b7d-4c1e-9f3a-8d2e1b0c7a55",
    )

    first = doctor.post(reverse("lab_order_new"), form)
    second = doctor.post(reverse("lab_order_new"), form)

    assert first.status_code == second.status_code == 302
    (xray,) = TestOrder.objects.all()
    assert xray.machine_wait_reason == "Suspected TB: film as soon as it is back"
    assert Charge.objects.count() == 1


# --- the warning on the worklist and the order's page ------------------------------------------


def test_a_waiting_order_is_marked_on_the_worklist_and_its_page(
    staff, catalog, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    (xray,) = order(
        staff,
        catalog,
        make_patient(),
        "XR-CHEST",
        when_machine_back=True,
        machine_wait_reason="Pre-op film",
    )
    (other,) = order(staff, catalog, make_patient(), "CBC")
    tech = client_for(staff["tech"])

    worklist = tech.get(reverse("lab_worklist")).content.decode()
    detail = tech.get(reverse("lab_order", args=[xray.pk])).content.decode()
    doctors_copy = client_for(staff["doctor"]).get(reverse("lab_order", args=[xray.pk]))

    row = worklist.split(f'data-order="{xray.number}"')[1].split('data-testid="worklist-row"')[0]
    other_row = worklist.split(f'data-order="{other.number}"')[1].split("list-group-item")[0]
    assert 'data-testid="machine-wait-note"' in row
    assert "to be done when it is back (Pre-op film)" in row
    assert 'data-testid="machine-wait-note"' not in other_row
    assert 'data-testid="machine-wait-note"' in detail and "Pre-op film" in detail
    assert "Pre-op film" in doctors_copy.content.decode()


# --- the banner --------------------------------------------------------------------------------


def test_the_banner_shows_a_machine_down_with_its_status_and_goes_when_it_is_back(
    staff, engineer, xray_room, client_for
):
    tech = client_for(staff["tech"])
    url = reverse("lab_machines_down")
    assert 'data-testid="machines-down"' not in tech.get(url).content.decode()

    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    down = tech.get(url).content.decode()
    set_status(engineer, xray_room, MachineStatus.OPERATIONAL, reason="Fixed")
    back = tech.get(url).content.decode()

    assert 'data-testid="machines-down"' in down and "<html" not in down
    assert "X-ray room 1" in down and "out of order" in down
    assert timezone.localtime(xray_room.status_since).strftime("%d %b %Y %H:%M") in down
    assert "No X-ray working" in down
    assert 'id="machines-down"' in back and 'data-testid="machines-down"' not in back


def test_the_banner_says_when_another_machine_of_the_type_still_works(
    staff, engineer, xray_room, client_for
):
    engineering.machine_register(
        actor=engineer, name="Mobile X-ray", asset_tag="RAD-XR-02", machine_type="xray"
    )
    set_status(engineer, xray_room, MachineStatus.UNDER_MAINTENANCE, reason="Annual service")

    banner = client_for(staff["tech"]).get(reverse("lab_machines_down")).content.decode()

    assert "X-ray room 1" in banner and "under maintenance" in banner
    assert "Another X-ray is working" in banner and 'data-testid="type-down"' not in banner


def test_the_worklist_and_the_order_form_carry_the_banner_and_join_its_topic(
    staff, consultation, engineer, xray_room, client_for
):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    visit = consultation(make_patient())

    worklist = client_for(staff["tech"]).get(reverse("lab_worklist")).content.decode()
    form = client_for(staff["doctor"]).get(reverse("lab_order_new"), {"encounter": visit.pk})

    for page in (worklist, form.content.decode()):
        assert 'data-testid="machines-down"' in page and "RAD-XR-01" in page
        assert "hms:lab-machines-changed from:body" in page
    assert "topics=lab,lab.machines" in worklist
    assert "topics=lab.machines" in form.content.decode()


def test_the_worklist_refreshing_itself_leaves_the_banner_alone(
    staff, engineer, xray_room, client_for
):
    tech = client_for(staff["tech"])
    headers = {"HX-Request": "true", "HX-Target": "worklist", "X-HMS-Background": "1"}
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)

    panel = tech.get(reverse("lab_worklist"), headers=headers).content.decode()

    assert 'data-testid="machines-down"' not in panel


def test_the_banner_costs_the_worklist_one_query_however_many_machines_are_down(
    staff, catalog, engineer, client_for
):
    tech = client_for(staff["tech"])
    order(staff, catalog, make_patient(), "CBC")
    tech.get(reverse("lab_worklist"))  # warm: session, first-use caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert tech.get(reverse("lab_worklist")).status_code == 200
        return len(captured.captured_queries)

    none_down = queries()
    for n in range(6):
        machine = engineering.machine_register(
            actor=engineer, name=f"Scanner {n}", asset_tag=f"RAD-US-{n}", machine_type="ultrasound"
        )
        set_status(engineer, machine, MachineStatus.OUT_OF_ORDER)
    six_down = queries()

    assert six_down == none_down
    assert (
        tech.get(reverse("lab_worklist")).content.decode().count('data-testid="machine-down"') == 6
    )


# --- live: a machine going down reaches the lab's pages ----------------------------------------


def test_a_machine_going_down_or_back_signals_the_lab_machines_topic_after_commit(
    engineer, xray_room, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        realtime, "send_now", lambda group, message: sent.append((group, message["html"])) or True
    )

    with django_capture_on_commit_callbacks(execute=True):
        set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    down = [html for group, html in sent if group == live.MACHINES_TOPIC]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        set_status(engineer, xray_room, MachineStatus.OPERATIONAL, reason="Fixed")
    back = [html for group, html in sent if group == live.MACHINES_TOPIC]

    assert len(down) == 1 and live.MACHINES_EVENT in down[0]
    assert len(back) == 1 and live.MACHINES_EVENT in back[0]


def test_ward_equipment_going_down_does_not_signal_the_lab(
    engineer, monkeypatch, django_capture_on_commit_callbacks
):
    pump = engineering.machine_register(
        actor=engineer, name="Infusion pump", asset_tag="ICU-P-1", machine_type="infusion_pump"
    )
    groups = set()
    monkeypatch.setattr(realtime, "send_now", lambda group, message: groups.add(group) or True)

    with django_capture_on_commit_callbacks(execute=True):
        set_status(engineer, pump, MachineStatus.OUT_OF_ORDER)

    assert live.MACHINES_TOPIC not in groups


def test_staff_join_the_machines_topic_and_patients_do_not(staff, make_user):
    assert live.may_join_lab(staff["tech"], live.MACHINES_TOPIC)
    assert live.may_join_lab(staff["doctor"], live.MACHINES_TOPIC)
    assert not live.may_join_lab(make_user(rbac.PATIENT), live.MACHINES_TOPIC)


def test_a_long_down_machine_says_how_long(staff, engineer, xray_room, client_for):
    set_status(engineer, xray_room, MachineStatus.OUT_OF_ORDER)
    Machine.objects.filter(pk=xray_room.pk).update(
        status_since=timezone.now() - timedelta(days=2, hours=3)
    )

    banner = client_for(staff["tech"]).get(reverse("lab_machines_down")).content.decode()

    assert "2 days, 3 hours ago" in banner
