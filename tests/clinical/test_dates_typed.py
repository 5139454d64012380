"""Every date a person types is day first and never follows the browser's locale; times in
labels (the audit log's record names) are the hospital's, not the server's UTC."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse

from clinical.models import Appointment
from tests.factories import PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")


def test_the_appointments_day_is_typed_day_first_and_shown_back_so(staff, client_for):
    start = datetime(2026, 12, 4, 9, 0, tzinfo=NAIROBI)
    Appointment.objects.create(
        patient=PatientFactory(first_name="Achieng", last_name="Odera"),
        doctor=staff.doctor,
        starts_at=start,
        ends_at=start + timedelta(minutes=15),
        fee=Decimal("1500.00"),
    )
    desk = client_for(staff.receptionist)

    page = desk.get(reverse("appointment_list"), {"date": "04/12/2026"}).content.decode()

    assert "Achieng Odera" in page  # 4 December, not 12 April
    assert 'value="04/12/2026"' in page and 'placeholder="dd/mm/yyyy"' in page
    assert 'type="date"' not in page


def test_no_page_offers_a_browser_date_picker(staff, client_for):
    desk = client_for(staff.receptionist)
    pages = [
        reverse("appointment_list"),
        reverse("appointment_book"),
        reverse("patient_register"),
    ]

    for url in pages:
        assert 'type="date"' not in desk.get(url).content.decode(), url


def test_the_audit_log_names_an_appointment_by_the_hospitals_time(staff):
    start = datetime(2026, 12, 4, 5, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Nairobi
    appointment = Appointment(
        patient=PatientFactory(first_name="Achieng", last_name="Odera"),
        doctor=staff.doctor,
        starts_at=start,
        ends_at=start + timedelta(minutes=15),
        fee=Decimal("0"),
    )

    assert str(appointment).endswith("04 Dec 2026 08:30")


def test_the_audit_filter_takes_dates_day_first(staff, client_for):
    page = client_for(staff.admin).get(
        reverse("audit_list"), {"date_from": "01/12/2026", "date_to": "31/12/2026"}
    )

    assert page.status_code == 200
    assert 'value="31/12/2026"' in page.content.decode()
    assert "day/month/year" not in page.content.decode()  # 31/12 read as the 31st of December
