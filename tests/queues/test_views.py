"""The queue's screens: the desk gives a ticket (errors beside fields, values kept), a point's
line with Call next, the appointments list's Check in button, the desk's dashboard."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinical.models import AppointmentStatus
from queues import services
from queues.models import QueueTicket, TicketStatus
from tests.conftest import sign_in
from tests.factories import AppointmentFactory, DoctorFactory, PatientFactory

# "Today, in half an hour" must still be today, whatever the hour CI runs at.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("midday", "charge_master")]


def test_the_desk_gives_a_walk_in_a_ticket_by_mrn(points, staff):
    desk = sign_in(Client(), staff.receptionist)
    patient = PatientFactory()

    response = desk.post(
        "/queue/issue/",
        {"service_point": points["B"].pk, "mrn": patient.mrn, "submission": "", "priority": "on"},
        follow=True,
    )

    ticket = QueueTicket.objects.get()
    assert ticket.patient == patient and ticket.priority and ticket.label == "B-001"
    assert "Ticket B-001: Cashier." in response.content.decode()


def test_an_unknown_mrn_is_said_beside_its_field_and_the_choice_kept(points, staff):
    desk = sign_in(Client(), staff.receptionist)

    response = desk.post(
        "/queue/issue/", {"service_point": points["L"].pk, "mrn": "999999", "priority": "on"}
    )

    page = response.content.decode()
    assert response.status_code == 200 and "No patient has MRN 999999" in page
    assert 'value="999999"' in page and f'value="{points["L"].pk}" selected' in page
    assert "checked" in page and not QueueTicket.objects.exists()


def test_a_patient_already_queueing_is_refused_beside_the_mrn(points, staff):
    patient = PatientFactory()
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"], patient=patient)
    desk = sign_in(Client(), staff.receptionist)

    response = desk.post("/queue/issue/", {"service_point": points["L"].pk, "mrn": patient.mrn})

    page = response.content.decode()
    assert "already holds ticket T-001 at Triage" in page and "invalid-feedback" in page


def test_the_nurse_calls_next_and_sees_the_patient_at_the_window(points, staff):
    patient = PatientFactory(first_name="Neema", last_name="Wafula")
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"], patient=patient)
    nurse = sign_in(Client(), staff.nurse)

    response = nurse.post(f"/queue/{points['T'].pk}/call-next/", follow=True)

    page = response.content.decode()
    assert "Called T-001." in page and 'data-testid="at-window"' in page
    assert "Neema Wafula" in page  # staff see the name; the TV never does
    assert QueueTicket.objects.get().status == TicketStatus.CALLED


def test_a_refused_transfer_keeps_the_choice_and_says_why(points, staff):
    ticket = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    services.ticket_call_next(actor=staff.nurse, service_point=points["T"])
    nurse = sign_in(Client(), staff.nurse)

    response = nurse.post(f"/queue/tickets/{ticket.pk}/transfer/", {"to_point": "x"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "closed now" in (
        response.content.decode()
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_sending_a_ticket_to_its_own_point_says_so_not_closed(points, staff):
    ticket = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    services.ticket_call_next(actor=staff.nurse, service_point=points["T"])
    nurse = sign_in(Client(), staff.nurse)

    response = nurse.post(f"/queue/tickets/{ticket.pk}/transfer/", {"to_point": points["T"].pk})

    page = response.content.decode()
    assert f"The ticket is at {points['T'].name} already" in page and "closed now" not in page
    ticket.refresh_from_db()
    assert (ticket.status, ticket.service_point_id) == (TicketStatus.CALLED, points["T"].pk)


def test_the_waiting_list_is_paged_and_counted(points, staff):
    for _ in range(53):
        services.ticket_issue(actor=staff.receptionist, service_point=points["B"])
    cashier = sign_in(Client(), staff.accountant)

    page = cashier.get(f"/queue/{points['B'].pk}/").content.decode()

    assert "1–50 of 53 waiting" in page and 'data-testid="waiting-count">53<' in page


def _today(doctor, **fields):
    starts = timezone.now() + timedelta(minutes=20)
    return AppointmentFactory(
        doctor=doctor, starts_at=starts, ends_at=starts + timedelta(minutes=15), **fields
    )


def test_the_appointments_list_has_check_in_on_todays_booked_rows(points, staff):
    booked = _today(staff.doctor)
    _today(
        staff.second_doctor,
        status=AppointmentStatus.CANCELLED,
    )
    desk = sign_in(Client(), staff.receptionist)

    page = desk.get("/appointments/").content.decode()

    assert page.count('data-testid="row-check-in"') == 1
    assert f'action="/appointments/{booked.pk}/check-in/"' in page
    assert 'ws-connect="/ws/?topics=appointments"' in page


def test_a_nurse_sees_the_list_without_check_in(points, staff):
    _today(staff.doctor)
    nurse = sign_in(Client(), staff.nurse)

    page = nurse.get("/appointments/").content.decode()

    assert 'data-testid="row-check-in"' not in page


def test_check_in_from_the_list_comes_back_to_it_with_the_ticket(points, staff):
    appointment = _today(staff.doctor)
    desk = sign_in(Client(), staff.receptionist)
    form = desk.get("/appointments/").content.decode()
    token = form.split('name="submission" value="')[1].split('"')[0]

    response = desk.post(
        f"/appointments/{appointment.pk}/check-in/",
        {"back": "list", "submission": token},
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith("/appointments/?date=")
    assert "Ticket D-001: Consultation." in response.content.decode()
    again = desk.post(
        f"/appointments/{appointment.pk}/check-in/", {"back": "list", "submission": token}
    )
    assert again.status_code in (200, 302) and QueueTicket.objects.count() == 1


def test_the_list_rows_alone_for_the_live_refresh_cost_no_query_per_row(
    points, staff, django_assert_max_num_queries
):
    for _ in range(20):
        _today(DoctorFactory())
    desk = sign_in(Client(), staff.receptionist)
    desk.get("/appointments/")

    with django_assert_max_num_queries(12):
        response = desk.get(
            "/appointments/", headers={"HX-Request": "true", "HX-Target": "appointment-rows"}
        )

    page = response.content.decode()
    assert page.count('data-testid="row-check-in"') == 20 and "<nav" not in page[:200]


def test_the_desk_dashboard_opens_on_actions_and_moves_its_own_tools_below(points, staff):
    desk = sign_in(Client(), staff.receptionist)

    page = desk.get("/dashboard/").content.decode()

    actions = page.index('data-testid="desk-actions"')
    assert actions < page.index("Turn on two-step sign-in")
    for testid in ["action-register", "action-book", "find-patient", "action-ticket"]:
        assert f'data-testid="{testid}"' in page
    assert "/queue/flow/" in page


def test_the_flow_panel_counts_waiting_checked_in_and_seen(points, staff):
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    desk = sign_in(Client(), staff.receptionist)

    page = desk.get("/queue/flow/").content.decode()

    assert 'data-testid="flow-waiting">2<' in page and "2 waiting" in page


def test_a_points_line_asks_the_same_queries_however_many_wait(
    points, staff, django_assert_max_num_queries
):
    nurse = sign_in(Client(), staff.nurse)
    url = f"/queue/{points['T'].pk}/"

    def queue(how_many: int) -> None:
        for _ in range(how_many):
            services.ticket_issue(
                actor=staff.receptionist, service_point=points["T"], patient=PatientFactory()
            )
        services.ticket_call_next(actor=staff.nurse, service_point=points["T"])

    queue(2)
    nurse.get(url)
    with django_assert_max_num_queries(30) as few:
        nurse.get(url)
    queue(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = nurse.get(url).content.decode()

    assert page.count('data-testid="at-window"') == 2 and "T-014" in page


def test_a_ticket_form_sent_twice_gives_one_ticket(points, staff):
    """A double tap on Give a ticket for a walk-in (who may hold several): the same one-time
    token, one ticket."""
    desk = sign_in(Client(), staff.receptionist)
    form = desk.get("/queue/issue/").content.decode()
    token = form.split('name="submission" value="')[1].split('"')[0]
    sent = {"service_point": points["B"].pk, "mrn": "", "submission": token}

    first = desk.post("/queue/issue/", sent, follow=True)
    second = desk.post("/queue/issue/", sent, follow=True)

    assert QueueTicket.objects.count() == 1
    assert first.status_code == second.status_code == 200
