"""Leave decided while the applicant watches: the websocket brings the notification and the new
state of their "My leave" page (the row and the balance) without a reload."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from hms import rbac
from hms.asgi import application
from hr import services
from hr.models import LeaveType
from messaging import topics
from tests.conftest import sign_in
from tests.sockets import Socket


@pytest.fixture(autouse=True)
def early_march():
    """Far from the year's end, so every day asked for is charged to one year's balance."""
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Africa/Nairobi"))):
        yield


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("leave_types")]


def _socket(client: Client, path: str = "/ws/") -> Socket:
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return Socket(application, path, headers=headers)


def _arrange(make_user):
    nurse, admin = make_user(rbac.NURSE), make_user(rbac.ADMIN)
    client = sign_in(Client(), nurse)
    client.get("/dashboard/")
    start = timezone.localdate() + timedelta(days=14)
    leave = services.leave_apply(
        actor=nurse,
        leave_type=LeaveType.objects.get(code="annual"),
        start_date=start,
        end_date=start + timedelta(days=6),
    )
    return nurse, admin, client, leave


async def _received(socket, wanted: str, tries: int = 6) -> str:
    seen = ""
    for _ in range(tries):
        seen += await socket.receive_from(timeout=5)
        if wanted in seen:
            return seen
    return seen


async def test_the_applicant_sees_the_approval_and_the_new_balance_live(make_user):
    nurse, admin, client, leave = await sync_to_async(_arrange)(make_user)
    socket = _socket(client, f"/ws/?topics=leave.{nurse.pk}")
    connected, _ = await socket.connect()
    assert connected

    await sync_to_async(services.leave_approve)(actor=admin, leave_request=leave, comment="OK")

    fragments = await _received(socket, f'id="leave-{leave.pk}"')
    assert "is approved" in fragments  # the toast
    assert f'id="leave-{leave.pk}" hx-swap-oob="true"' in fragments
    assert ">Approved<" in fragments
    assert 'id="leave-balances" class="mb-4" hx-swap-oob="true"' in fragments
    assert f'data-testid="balance-annual">{int(21 - leave.days)} ' in fragments
    await socket.disconnect()


async def test_the_administrator_hears_of_a_new_request(make_user):
    admin = await sync_to_async(make_user)(rbac.ADMIN)
    nurse = await sync_to_async(make_user)(rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    client = await sync_to_async(sign_in)(Client(), admin)
    socket = _socket(client)
    connected, _ = await socket.connect()
    assert connected
    start = timezone.localdate() + timedelta(days=14)

    await sync_to_async(services.leave_apply)(
        actor=nurse,
        leave_type=await LeaveType.objects.aget(code="annual"),
        start_date=start,
        end_date=start + timedelta(days=6),
    )

    fragment = await _received(socket, "Grace Wanjiru asks for annual leave")
    assert "Grace Wanjiru asks for annual leave" in fragment
    await socket.disconnect()


def test_only_the_person_joins_their_leave_pages_topic(make_user):
    nurse, other, admin = make_user(rbac.NURSE), make_user(rbac.NURSE), make_user(rbac.ADMIN)

    assert topics.allowed(nurse, f"leave.{nurse.pk}")
    assert not topics.allowed(other, f"leave.{nurse.pk}")
    assert not topics.allowed(nurse, "leave.x") and not topics.allowed(admin, f"leave.{nurse.pk}")
