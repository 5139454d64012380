"""A machine going down reaches the lab's open pages through the real socket: a technician's
worklist (topics lab,lab.machines) hears it when the engineer sets the X-ray out of order, and
again when it is back; a patient cannot join the machines topic.

Runs against the real channel layer of the mode: in-memory by default, Redis when REDIS_URL is set.
"""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from engineering import services as engineering
from engineering.models import MachineStatus
from hms import rbac
from lab import live
from tests.conftest import sign_in
from tests.messaging.test_consumer import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(make_user):
    """The engineer, an X-ray machine, and signed-in clients of a technician and a patient."""

    def make():
        engineer = make_user(rbac.ENGINEER)
        machine = engineering.machine_register(
            actor=engineer, name="X-ray room 1", asset_tag="RAD-XR-01", machine_type="xray"
        )
        clients = {}
        for role in (rbac.LAB_TECHNICIAN, rbac.PATIENT):
            client = sign_in(Client(), make_user(role))
            client.get("/dashboard/")  # a real request stamps the session's activity
            clients[role] = client
        return engineer, machine, clients

    return make


async def test_the_worklists_socket_hears_a_machine_go_down_and_come_back(people):
    engineer, machine, clients = await sync_to_async(people)()
    socket = socket_for(clients[rbac.LAB_TECHNICIAN], "/ws/?topics=lab,lab.machines")
    assert (await socket.connect())[0]

    def set_status(to_status, reason):
        engineering.machine_status_change(
            actor=engineer, machine=machine, to_status=to_status, reason=reason
        )

    await sync_to_async(set_status)(MachineStatus.OUT_OF_ORDER, "Generator fault")
    down = await socket.receive_from()
    await sync_to_async(set_status)(MachineStatus.OPERATIONAL, "Generator replaced")
    back = await socket.receive_from()

    assert f'data-hms-event="{live.MACHINES_EVENT}"' in down
    assert f'data-hms-event="{live.MACHINES_EVENT}"' in back
    await socket.disconnect()


async def test_a_patients_socket_is_not_let_into_the_machines_topic(people):
    engineer, machine, clients = await sync_to_async(people)()
    socket = socket_for(clients[rbac.PATIENT], "/ws/?topics=lab.machines")
    assert (await socket.connect())[0]

    await sync_to_async(engineering.machine_status_change)(
        actor=engineer, machine=machine, to_status=MachineStatus.OUT_OF_ORDER, reason="Fault"
    )

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
