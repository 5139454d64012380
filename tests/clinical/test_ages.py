"""A patient's age, written one way on every screen and document: days for the newborn, months
(and days) for the infant, years from two, with the right plurals."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader

from clinical.ages import age_in_days, age_parts, age_text
from clinical.models import Encounter
from hms import rbac
from tests.factories import PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.mark.parametrize(
    ("born", "on", "written"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), "0 days"),
        (date(2026, 11, 22), date(2026, 11, 23), "1 day"),
        (date(2026, 11, 13), date(2026, 11, 23), "10 days"),
        (date(2026, 10, 24), date(2026, 11, 23), "30 days"),
        (date(2026, 10, 23), date(2026, 11, 23), "1 month"),
        (date(2026, 10, 22), date(2026, 11, 23), "1 month 1 day"),
        (date(2026, 9, 18), date(2026, 11, 23), "2 months 5 days"),
        (date(2026, 8, 24), date(2026, 11, 23), "2 months 30 days"),
        (date(2026, 8, 23), date(2026, 11, 23), "3 months"),
        (date(2025, 11, 23), date(2026, 11, 23), "12 months"),
        (date(2024, 11, 24), date(2026, 11, 23), "23 months"),
        (date(2024, 11, 23), date(2026, 11, 23), "2 years"),
        (date(1981, 6, 15), date(2026, 6, 14), "44 years"),
        (date(1981, 6, 15), date(2026, 6, 15), "45 years"),
        # A month is complete on the same day of the month, or on the 1st of the next month when
        # that month is shorter (31 January + 1 month = 1 March in 2026).
        (date(2026, 1, 31), date(2026, 2, 28), "28 days"),
        (date(2026, 1, 31), date(2026, 3, 1), "1 month"),
        # Born on a leap day: the monthly and yearly anniversaries.
        (date(2024, 2, 29), date(2024, 3, 28), "28 days"),
        (date(2024, 2, 29), date(2024, 3, 29), "1 month"),
        (date(2024, 2, 29), date(2025, 2, 28), "11 months"),
        (date(2024, 2, 29), date(2025, 3, 1), "12 months"),
        (date(2024, 2, 29), date(2026, 2, 28), "23 months"),
        (date(2024, 2, 29), date(2026, 3, 1), "2 years"),
        (date(2024, 2, 29), date(2028, 2, 28), "3 years"),
        (date(2024, 2, 29), date(2028, 2, 29), "4 years"),
    ],
)
def test_the_age_is_written_in_the_unit_staff_expect(born, on, written):
    assert age_text(born, on) == written


def test_the_parts_and_days_behind_the_text():
    assert age_parts(date(2026, 9, 18), date(2026, 11, 23)) == (2, 5)
    assert age_in_days(date(2026, 11, 13), date(2026, 11, 23)) == 10
    assert age_in_days(date(2024, 2, 29), date(2025, 2, 28)) == 365


def test_a_birth_date_after_the_day_asked_is_not_a_negative_age():
    assert age_text(date(2026, 12, 1), date(2026, 11, 23)) == "not yet born"
    assert age_in_days(date(2026, 12, 1), date(2026, 11, 23)) == 0


def test_whole_years_agree_with_the_written_age_on_a_leap_day_birthday(db):
    patient = PatientFactory(date_of_birth=date(2024, 2, 29))

    assert patient.age_on(date(2026, 2, 28)) == 1
    assert patient.age_on(date(2026, 3, 1)) == 2
    assert patient.age_text_on(date(2026, 3, 1)) == "2 years"


def test_the_template_filter_counts_to_the_hospitals_today_or_a_given_moment():
    template = Template("{% load ages %}{{ born|age }} / {{ born|age:at }} / {{ nothing|age }}")

    # 23 Nov 2026 00:30 in Nairobi is still 22 Nov in UTC: the hospital's date decides.
    with time_machine.travel(datetime(2026, 11, 23, 0, 30, tzinfo=NAIROBI), tick=False):
        text = template.render(
            Context(
                {
                    "born": date(2026, 11, 13),
                    "at": datetime(2026, 11, 14, 9, tzinfo=NAIROBI),
                    "nothing": "",
                }
            )
        )

    assert text == "10 days / 1 day / "


@pytest.fixture
def ten_day_old(db):
    return PatientFactory(first_name="Baby", last_name="Wanjiku", date_of_birth=date(2026, 11, 13))


@time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=NAIROBI), tick=False)
def test_the_chart_shows_a_newborns_age_in_days(ten_day_old, make_user, client_for):
    page = client_for(make_user(rbac.DOCTOR)).get(reverse("patient_chart", args=[ten_day_old.pk]))

    assert '<span data-testid="patient-age">10 days</span>' in page.content.decode()
    assert "years" not in page.content.decode().split('data-testid="patient-age"')[1][:40]


@time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=NAIROBI), tick=False)
def test_the_prescription_pdf_shows_the_age_on_the_day_of_the_consultation(
    ten_day_old, make_user, client_for
):
    doctor = make_user(rbac.DOCTOR)
    encounter = Encounter.objects.create(
        patient=ten_day_old, doctor=doctor, started_at=datetime(2026, 11, 21, 9, tzinfo=NAIROBI)
    )

    response = client_for(doctor).get(reverse("prescription_pdf", args=[encounter.pk]))

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Female · 8 days" in text and "years" not in text
