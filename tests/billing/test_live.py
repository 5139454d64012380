"""Billing updates are pushed to the desk's open screens (reception, accountant), not to others."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from billing import services
from hms import rbac
from tests.factories import PatientFactory
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_payment_refreshes_the_desks_outstanding_list_and_not_a_nurses(
    signed_in,  # noqa: F811
    charge_master,
):
    desk, desk_client = await sync_to_async(signed_in)(rbac.RECEPTIONIST)
    _accountant, accountant_client = await sync_to_async(signed_in)(rbac.ACCOUNTANT)
    _nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    screens = [socket_for(c, "/ws/?topics=billing") for c in (desk_client, accountant_client)]
    nurse = socket_for(nurse_client, "/ws/?topics=billing")
    for socket in [*screens, nurse]:
        await socket.connect()

    def pay():
        patient = PatientFactory()
        services.charge_post(actor=None, patient=patient, code="NURS-DRESS")
        invoice = services.invoice_issue(
            actor=desk, invoice=services.invoice_draft(actor=desk, patient=patient)
        )
        services.payment_take(actor=desk, invoice=invoice, amount=Decimal("100"), mode="cash")

    await sync_to_async(pay)()

    for screen in screens:
        received = []
        while not await screen.receive_nothing(timeout=0.3):
            received.append(await screen.receive_from())
        assert any('data-hms-event="hms:billing-changed"' in fragment for fragment in received)
    assert await nurse.receive_nothing(timeout=0.3)
    for socket in [*screens, nurse]:
        await socket.disconnect()
