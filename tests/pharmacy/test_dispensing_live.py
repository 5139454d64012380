"""The dispensing queue is live: a prescription written by a doctor, or a dispense, tells the
pharmacists' open queue (topic pharmacy.queue) to fetch itself again, over the websocket; a role
that may not dispense never hears it."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from clinical.services import prescription_add
from hms import rbac
from hms.asgi import application
from pharmacy.live import QUEUE_EVENT
from pharmacy.services import dispense
from tests.conftest import sign_in
from tests.factories import EncounterFactory
from tests.pharmacy.rx import stocked
from tests.sockets import Socket

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(client: Client) -> Socket:
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return Socket(application, "/ws/?topics=pharmacy.queue", headers=headers)


def _arrange(make_user):
    pharmacist, nurse = make_user(rbac.PHARMACIST), make_user(rbac.NURSE)
    clients = [sign_in(Client(), pharmacist), sign_in(Client(), nurse)]
    item, _ = stocked(units=(20,), actor=pharmacist)
    return pharmacist, clients, item, EncounterFactory()


def _prescribe(encounter, item):
    """The doctor writes it through clinical's service, choosing the formulary item."""
    rx = prescription_add(
        actor=encounter.doctor,
        encounter=encounter,
        drug=item.generic_name,
        strength=item.strength,
        dose="1 tablet",
        route="oral",
        frequency="twice a day",
        duration="5 days",
    )
    rx.formulary_item, rx.quantity = item, 10
    rx.save(update_fields=["formulary_item", "quantity"])
    return rx


async def _heard(socket, wanted: str, tries: int = 4) -> bool:
    seen = ""
    for _ in range(tries):
        seen += await socket.receive_from(timeout=5)
        if wanted in seen:
            return True
    return False


async def test_a_new_prescription_and_a_dispense_reach_the_open_queue(make_user):
    pharmacist, (desk, ward), item, encounter = await sync_to_async(_arrange)(make_user)
    socket, outsider = _socket(desk), _socket(ward)
    assert (await socket.connect())[0] and (await outsider.connect())[0]

    rx = await sync_to_async(_prescribe)(encounter, item)

    assert await _heard(socket, QUEUE_EVENT)
    await sync_to_async(dispense)(actor=pharmacist, prescription=rx, quantity=4)
    assert await _heard(socket, QUEUE_EVENT)
    assert await outsider.receive_nothing(timeout=0.5)
    await socket.disconnect()
    await outsider.disconnect()


def _prescribe_outside(encounter):
    """A drug the hospital does not stock, bought outside: it never enters the queue."""
    return prescription_add(
        actor=encounter.doctor,
        encounter=encounter,
        drug="Rivaroxaban",
        strength="20 mg",
        dose="1 tablet",
        route="oral",
        frequency="once a day",
        duration="30 days",
        outside=True,
    )


async def test_a_drug_from_outside_the_hospital_does_not_stir_the_queue(make_user):
    pharmacist, (desk, _ward), item, encounter = await sync_to_async(_arrange)(make_user)
    socket = _socket(desk)
    assert (await socket.connect())[0]

    await sync_to_async(_prescribe_outside)(encounter)

    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()
