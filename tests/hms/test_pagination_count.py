"""A list of one reads "1 appointment", not "1 appointments"."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import AppointmentFactory


def _count_text(rows: list, **include) -> str:
    page = Paginator(rows, 20).page(1)
    html = render_to_string(
        "hms/pagination.html", {"page": page, **include}, request=RequestFactory().get("/")
    )
    return html.split('data-testid="page-count">')[1].split("</span>")[0]


def test_a_list_of_one_names_one_thing():
    assert _count_text([1], noun="open invoices", one="open invoice") == "1 open invoice in all"


def test_a_list_of_several_names_them_in_the_plural():
    assert _count_text([1, 2], noun="open invoices", one="open invoice") == "2 open invoices in all"


def test_a_day_of_one_appointment_says_so(staff, client_for):
    appointment = AppointmentFactory()
    day = timezone.localtime(appointment.starts_at).date()

    page = client_for(staff.receptionist).get(
        reverse("appointment_list"), {"date": day.isoformat()}
    )

    assert "1 appointment on this day in all" in page.content.decode()
