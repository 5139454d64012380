"""Who hears about a test: the ordering doctor when it is completed, verified or critical (saved
and pushed over the websocket), and the lab's worklist screens, which only the lab may join."""

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from hms import rbac
from lab import services
from lab.models import OrderStatus
from messaging import topics
from messaging.models import Notification
from tests.lab.conftest import CBC_NORMAL, advance, field_values, make_patient, order, walk
from tests.messaging.test_consumer import signed_in, socket_for  # noqa: F401 (fixture)


def notes_of(user) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("text", "link")
    )


def test_completing_and_verifying_tell_the_ordering_doctor_with_a_link_to_the_result(
    staff, catalog, make_user, client_for
):
    colleague = make_user(rbac.DOCTOR)
    patient = make_patient(first_name="Achieng", last_name="Odhiambo")
    (cbc,) = order(staff, catalog, patient, "CBC")
    link = reverse("lab_order", args=[cbc.pk])

    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    assert notes_of(staff["doctor"]) == []
    services.results_enter(actor=staff["tech"], order=cbc, values=field_values(cbc, **CBC_NORMAL))
    advance(cbc, OrderStatus.COMPLETED, staff["tech"])
    advance(cbc, OrderStatus.VERIFIED, staff["tech2"])

    assert notes_of(staff["doctor"]) == [
        ("Full blood count for Achieng Odhiambo is completed, awaiting verification.", link),
        ("Full blood count for Achieng Odhiambo is verified.", link),
    ]
    assert notes_of(colleague) == [] and notes_of(staff["tech"]) == []
    note = Notification.objects.filter(recipient=staff["doctor"]).last()
    opened = client_for(staff["doctor"]).post(reverse("notification_open", args=[note.pk]))
    assert opened["Location"] == link


def test_a_critical_value_tells_the_doctor_as_soon_as_it_is_saved_and_only_once(staff, catalog):
    patient = make_patient(sex="M", age=50, first_name="Juma", last_name="Mwangi")
    (cbc,) = order(staff, catalog, patient, "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)

    services.results_enter(
        actor=staff["tech"],
        order=cbc,
        values=field_values(cbc, Haemoglobin="6.4", White_cells="6", Platelets="40"),
    )
    first = notes_of(staff["doctor"])
    services.results_enter(
        actor=staff["tech"],
        order=cbc,
        values=field_values(cbc, Haemoglobin="6.3", White_cells="6", Platelets="40"),
    )
    again = notes_of(staff["doctor"])
    advance(cbc, OrderStatus.COMPLETED, staff["tech"])

    link = reverse("lab_order", args=[cbc.pk])
    assert first == [
        (
            "CRITICAL result for Juma Mwangi (Full blood count): Haemoglobin 6.4 g/dL,"
            " Platelets 40 ×10⁹/L. Call the lab.",
            link,
        )
    ]
    assert again == first
    assert notes_of(staff["doctor"])[-1] == (
        "Full blood count for Juma Mwangi is completed, awaiting verification. CRITICAL values.",
        link,
    )


def test_an_abnormal_result_is_not_announced_until_completed(staff, catalog):
    (glucose,) = order(staff, catalog, make_patient(first_name="Wanjiku", last_name="Njeri"), "RBS")
    walk(glucose, OrderStatus.IN_PROGRESS, staff)

    services.results_enter(
        actor=staff["tech"], order=glucose, values=field_values(glucose, Glucose="9.4")
    )
    assert notes_of(staff["doctor"]) == []
    advance(glucose, OrderStatus.COMPLETED, staff["tech"])

    assert notes_of(staff["doctor"])[-1][0] == (
        "Random blood glucose for Wanjiku Njeri is completed, awaiting verification."
        " Abnormal values."
    )


def test_the_lab_topics_admit_only_those_who_may_see_them(staff, make_user):
    patient = make_patient()
    portal = make_user(rbac.PATIENT)
    chart = f"lab.patient.{patient.pk}"

    assert topics.allowed(staff["tech"], "lab") and topics.allowed(staff["admin"], "lab")
    for user in (staff["nurse"], staff["doctor"], staff["reception"], portal):
        assert not topics.allowed(user, "lab"), user.role
    for user in (staff["doctor"], staff["nurse"], staff["tech"]):
        assert topics.allowed(user, chart), user.role
    for user in (staff["reception"], staff["accountant"], portal):
        assert not topics.allowed(user, chart), user.role
    mine = f"lab.doctor.{staff['doctor'].pk}"
    assert topics.allowed(staff["doctor"], mine)
    for user in (make_user(rbac.DOCTOR), staff["nurse"], staff["tech"], portal):
        assert not topics.allowed(user, mine), user.role


@pytest.mark.django_db(transaction=True)
async def test_the_doctors_open_page_gets_the_toast_when_a_technician_verifies(
    signed_in,  # noqa: F811
    staff,
    catalog,
):
    doctor, doctor_client = await sync_to_async(signed_in)(
        rbac.DOCTOR, first_name="Amina", last_name="Otieno"
    )

    def completed():
        patient = make_patient(first_name="Achieng", last_name="Odhiambo")
        (cbc,) = services.order_tests(actor=doctor, patient=patient, tests=[catalog["CBC"]])
        return walk(cbc, OrderStatus.COMPLETED, staff)

    cbc = await sync_to_async(completed)()
    socket = socket_for(doctor_client)
    connected, _ = await socket.connect()
    assert connected

    await sync_to_async(advance)(cbc, OrderStatus.VERIFIED, staff["tech2"])

    received = []
    while not await socket.receive_nothing(timeout=0.5):
        received.append(await socket.receive_from())
    toasts = [f for f in received if 'hx-swap-oob="beforeend:#toasts"' in f]
    assert len(toasts) == 1
    assert "Full blood count for Achieng Odhiambo is verified." in toasts[0]
    assert f'href="{reverse("lab_order", args=[cbc.pk])}"' in toasts[0]
    assert 'id="notification-bell"' in toasts[0] and 'data-testid="bell-count">2<' in toasts[0]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_new_order_refreshes_the_lab_worklist_and_not_a_nurses_page(
    signed_in,  # noqa: F811
    staff,
    catalog,
):
    _tech, tech_client = await sync_to_async(signed_in)(rbac.LAB_TECHNICIAN)
    _nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    worklist = socket_for(tech_client, "/ws/?topics=lab")
    nurse = socket_for(nurse_client, "/ws/?topics=lab")
    for socket in (worklist, nurse):
        assert (await socket.connect())[0]

    await sync_to_async(lambda: order(staff, catalog, make_patient(), "RBS", priority="stat"))()

    received = []
    while not await worklist.receive_nothing(timeout=0.5):
        received.append(await worklist.receive_from())
    assert any('data-hms-event="hms:lab-changed"' in fragment for fragment in received)
    assert await nurse.receive_nothing(timeout=0.3)
    for socket in (worklist, nurse):
        await socket.disconnect()
