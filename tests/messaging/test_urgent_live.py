"""Alert routing and escalation over the websocket, with a frozen clock: a critical result's toast
reaches the ordering doctor's open page at once, stays (sticky), and, when nobody acknowledges it
within HMS_URGENT_ESCALATION_MINUTES, the second doctor's and the admin's pages get it; the
acknowledgement then unpins it on every screen it reached."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import sync_to_async

from hms import rbac
from messaging import services
from messaging.models import Notification
from messaging.services import notify
from tests.factories import DepartmentFactory
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)

NAIROBI = ZoneInfo("Africa/Nairobi")
# Before the sessions below were stamped active: moving the clock never makes them idle.
MORNING = datetime(2026, 1, 12, 9, tzinfo=NAIROBI)

pytestmark = pytest.mark.django_db(transaction=True)


async def _received(socket, wanted: str, tries: int = 6) -> str:
    seen = ""
    for _ in range(tries):
        seen += await socket.receive_from(timeout=5)
        if wanted in seen:
            return seen
    return seen


def _arrange(signed_in):  # noqa: F811
    department = DepartmentFactory(name="Internal medicine", code="MED")
    doctor, doctor_client = signed_in(rbac.DOCTOR, department=department)
    colleague, colleague_client = signed_in(rbac.DOCTOR, department=department)
    admin, admin_client = signed_in(rbac.ADMIN)
    return doctor, doctor_client, colleague, colleague_client, admin, admin_client


def _critical(doctor) -> Notification:
    with time_machine.travel(MORNING, tick=False):
        [alert] = notify(
            doctor,
            "CRITICAL result for Juma Mwangi (Full blood count): Haemoglobin 5.8 g/dL.",
            urgent=True,
            kind="critical_result",
        )
    return alert


def _escalate_at(minutes: int) -> int:
    with time_machine.travel(MORNING + timedelta(minutes=minutes), tick=False):
        return services.urgent_escalate()


async def test_the_alert_reaches_the_doctor_then_escalates_to_the_colleague_and_the_admin(
    signed_in,  # noqa: F811
):
    doctor, doctor_client, colleague, colleague_client, admin, admin_client = await sync_to_async(
        _arrange
    )(signed_in)
    sockets = {}
    for who, client in (
        ("doctor", doctor_client),
        ("colleague", colleague_client),
        ("admin", admin_client),
    ):
        sockets[who] = socket_for(client)
        connected, _ = await sockets[who].connect()
        assert connected

    alert = await sync_to_async(_critical)(doctor)
    toast = await _received(sockets["doctor"], "Haemoglobin 5.8 g/dL")
    assert "data-hms-sticky" in toast and "text-bg-danger" in toast
    assert await sockets["colleague"].receive_nothing(timeout=0.5)

    assert await sync_to_async(_escalate_at)(29) == 0
    assert await sockets["colleague"].receive_nothing(timeout=0.5)
    assert await sync_to_async(_escalate_at)(30) == 1

    for who in ("colleague", "admin"):
        fragments = await _received(sockets[who], "Haemoglobin 5.8 g/dL")
        assert "Not acknowledged in 30 min by" in fragments, who
        assert "data-hms-sticky" in fragments, who

    await sync_to_async(services.notification_acknowledge)(
        actor=doctor, notification_id=alert.pk, note="Transfused 2 units"
    )
    copy = await sync_to_async(Notification.objects.get)(recipient=colleague)
    fragments = await _received(sockets["colleague"], "Transfused 2 units")
    assert f'id="pinned-{copy.pk}" hx-swap-oob="delete"' in fragments
    assert "acknowledged: Transfused 2 units" in fragments
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_new_alert_and_its_acknowledgement_refresh_every_open_pinned_list(
    signed_in,  # noqa: F811
):
    doctor, doctor_client, *_ = await sync_to_async(_arrange)(signed_in)
    first_tab, second_tab = socket_for(doctor_client), socket_for(doctor_client)
    for socket in (first_tab, second_tab):
        connected, _ = await socket.connect()
        assert connected

    alert = await sync_to_async(_critical)(doctor)

    for socket in (first_tab, second_tab):
        fragments = await _received(socket, 'data-hms-event="hms:pinned"')
        assert 'data-hms-event="hms:pinned"' in fragments  # the pinned lists fetch themselves
        assert 'data-testid="bell-urgent-count">1<' in fragments
    pinned = await sync_to_async(doctor_client.get)("/notifications/pinned/")
    assert f'id="pinned-{alert.pk}"' in pinned.content.decode()

    await sync_to_async(services.notification_acknowledge)(
        actor=doctor, notification_id=alert.pk, note="Transfused 2 units"
    )

    for socket in (first_tab, second_tab):
        fragments = await _received(socket, 'data-hms-event="hms:pinned"')
        assert f'id="pinned-{alert.pk}" hx-swap-oob="delete"' in fragments
        assert 'data-hms-event="hms:pinned"' in fragments
        assert 'data-testid="bell-urgent' not in fragments.split("notification-bell")[-1]
    pinned = await sync_to_async(doctor_client.get)("/notifications/pinned/")
    assert 'data-testid="pinned-notification"' not in pinned.content.decode()
    for socket in (first_tab, second_tab):
        await socket.disconnect()
