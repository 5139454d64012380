"""The bed board's live topic: who may watch it, and that a bed change reaches it."""

import pytest
from asgiref.sync import sync_to_async

from hms import rbac
from tests.factories import PatientFactory
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)
from wards import services

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_admission_tells_every_open_board_and_no_patient(signed_in, charge_master):  # noqa: F811
    nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    _doctor, doctor_client = await sync_to_async(signed_in)(rbac.DOCTOR)
    _patient, patient_client = await sync_to_async(signed_in)(rbac.PATIENT)
    boards = [socket_for(c, "/ws/?topics=beds") for c in (nurse_client, doctor_client)]
    snoop = socket_for(patient_client, "/ws/?topics=beds")
    for socket in [*boards, snoop]:
        assert (await socket.connect())[0]

    def admit():
        admin = type(nurse).objects.create(username="ward-admin", role=rbac.ADMIN)
        doctor = type(nurse).objects.create(username="attending", role=rbac.DOCTOR)
        ward = services.ward_create(
            actor=admin, name="Live ward", kind="general", charge_code="WARD-GEN", beds=1
        )
        services.admission_create(
            actor=nurse,
            patient=PatientFactory(),
            attending_doctor=doctor,
            bed=ward.beds.get(),
            reason="Fever",
        )

    await sync_to_async(admit)()

    for board in boards:
        received = []
        while not await board.receive_nothing(timeout=0.3):
            received.append(await board.receive_from())
        assert any('data-hms-event="hms:beds-changed"' in fragment for fragment in received)
    assert await snoop.receive_nothing(timeout=0.3)
    for socket in [*boards, snoop]:
        await socket.disconnect()
