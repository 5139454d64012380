"""A page never offers a link its reader may not follow: the accountant's account page, the lab's
order page and a service point's line name the patient without a link to a chart only the
clinical staff and the desk may open (a 403 on a click, each one logged as a refused access)."""

from django.urls import reverse

from hms import rbac
from queues import services as queue
from tests.factories import LabOrderFactory, PatientFactory
from tests.queues.conftest import points  # noqa: F401


def chart_link(patient) -> str:
    return f'href="{reverse("patient_chart", args=[patient.pk])}"'


def test_the_accountant_reads_the_account_without_a_link_to_the_chart(make_user, client_for):
    patient = PatientFactory()

    accountant = client_for(make_user(rbac.ACCOUNTANT)).get(
        reverse("patient_account", args=[patient.pk])
    )
    desk = client_for(make_user(rbac.RECEPTIONIST)).get(
        reverse("patient_account", args=[patient.pk])
    )

    assert patient.full_name in accountant.content.decode()
    assert chart_link(patient) not in accountant.content.decode()
    assert chart_link(patient) in desk.content.decode()


def test_the_lab_reads_an_order_without_a_link_to_the_chart(make_user, client_for):
    order = LabOrderFactory()

    page = client_for(make_user(rbac.LAB_TECHNICIAN)).get(reverse("lab_order", args=[order.pk]))

    assert page.status_code == 200 and order.patient.full_name in page.content.decode()
    assert chart_link(order.patient) not in page.content.decode()


def test_the_labs_line_names_the_patient_without_a_link_to_the_chart(
    make_user,
    client_for,
    points,  # noqa: F811
):
    patient = PatientFactory()
    queue.ticket_issue(actor=None, service_point=points["L"], patient=patient)
    technician = make_user(rbac.LAB_TECHNICIAN)
    queue.ticket_call_next(actor=technician, service_point=points["L"])  # at the window
    url = reverse("point_queue", args=[points["L"].pk])

    lab = client_for(technician).get(url).content.decode()
    nurse = client_for(make_user(rbac.NURSE)).get(url).content.decode()

    assert patient.full_name in lab and chart_link(patient) not in lab
    assert chart_link(patient) in nurse
