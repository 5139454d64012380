"""What a new user's try of the leave screens found (session 7): far dates, the admin account's
own leave, a leave type's negative days, closure days that change nothing or close the clinic,
and the doctor's type of leave shown to patients."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinical import selectors as clinical_selectors
from clinical.models import ScheduleException
from hr import services
from hr.models import ClosureDay, LeaveRequest, LeaveType
from tests.factories import AppointmentFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 16)

pytestmark = pytest.mark.usefixtures("leave_types")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=NAIROBI), tick=False):
        yield


def typed(start: str, end: str, code="unpaid") -> dict:
    return {
        "leave_type": LeaveType.objects.get(code=code).pk,
        "start_date": start,
        "end_date": end,
    }


@pytest.mark.parametrize(
    ("start", "end", "field", "said"),
    [
        ("01/12/2026", "31/12/9999", "end_date", "Enter a date from 1800 to 2100."),
        ("01/12/2026", "30/12/2030", "end_date", "One request covers at most a year"),
        ("01/12/2062", "02/12/2062", "start_date", "at most two years ahead"),
    ],
)
def test_far_dates_are_refused_beside_their_field_and_the_preview_stays_quiet(
    staff, client_for, start, end, field, said
):
    client = client_for(staff.nurse)

    preview = client.get(
        reverse("leave_preview"), typed(start, end), headers={"HX-Request": "true"}
    )
    sent = client.post(reverse("leave_apply"), typed(start, end))

    assert (
        preview.status_code == 200 and 'data-testid="preview-days"' not in preview.content.decode()
    )
    assert sent.status_code == 200 and said in sent.content.decode()
    assert sent.context["form"].errors[field]
    assert not LeaveRequest.objects.exists()


def test_who_is_away_from_a_far_date_says_so_and_shows_today(staff, client_for):
    page = client_for(staff.admin).get(reverse("leave_away"), {"start": "31/12/9999"})

    assert page.status_code == 200
    assert "Enter a date from 1800 to 2100." in page.content.decode()
    assert page.context["first"] == MONDAY


def test_the_administrator_account_takes_no_leave_of_its_own(staff):
    with pytest.raises(PermissionDenied, match="ask from your own staff account"):
        services.leave_apply(
            actor=staff.admin,
            leave_type=LeaveType.objects.get(code="annual"),
            start_date=MONDAY + timedelta(days=7),
            end_date=MONDAY + timedelta(days=7),
        )
    assert not LeaveRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("document_after_days", "-3", "Enter 0 or more days."),
        ("carry_over_limit", "-1", "Enter 0 or more days."),
        ("full_pay_days", "400", "Enter at most 366 days."),
        ("name", "Sick leave", "Another leave type already has this name."),
    ],
)
def test_a_leave_type_refused_says_why_beside_the_field_and_keeps_its_name(
    staff, client_for, field, value, said
):
    annual = LeaveType.objects.get(code="annual")
    url = reverse("leave_type_edit", args=[annual.pk])
    form = client_for(staff.admin).get(url).context["form"]
    posted = {
        name: ("on" if v is True else "" if v is None else v)
        for name, v in form.initial.items()
        if v is not False
    }
    posted |= {
        f"days_{role}": str(days) for role, days in annual.entitlements.values_list("role", "days")
    }

    page = client_for(staff.admin).post(url, posted | {field: value})

    html = page.content.decode()
    assert page.status_code == 200 and said in html and "Constraint" not in html
    assert '<h1 class="h2 mb-3">Annual leave</h1>' in html
    annual.refresh_from_db()
    assert annual.name == "Annual leave" and annual.document_after_days != -3


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (MONDAY - timedelta(days=3), "choose today or a later day"),
        (date(2026, 12, 25), "Christmas Day, a public holiday"),
        (date(2026, 12, 19), "weekend"),
        (date(2029, 1, 2), "at most two years ahead"),
    ],
)
def test_a_closure_day_that_would_change_nothing_is_refused(staff, day, said):
    with pytest.raises(services.LeaveError, match=said) as caught:
        services.closure_day_add(actor=staff.admin, day=day, name="Staff retreat")

    assert caught.value.field == "date" and not ClosureDay.objects.exists()


def test_a_closure_day_closes_every_clinic_and_lists_the_booked_for_reception(staff):
    day = MONDAY + timedelta(days=8)  # a Tuesday
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=NAIROBI)
    booked = AppointmentFactory(
        doctor=staff.doctor, starts_at=starts, ends_at=starts + timedelta(minutes=15)
    )

    closure = services.closure_day_add(actor=staff.admin, day=day, name="Staff retreat")

    assert closure.booked == 1
    assert clinical_selectors.slots_for(staff.doctor, day) == []
    listed = list(clinical_selectors.appointments_to_move())
    assert listed == [booked] and listed[0].day_off_reason == "Hospital closed: Staff retreat"
    services.closure_day_remove(actor=staff.admin, closure=closure)
    assert not ScheduleException.objects.filter(source=f"closure:{closure.pk}").exists()


def test_patients_and_the_desk_read_on_leave_never_the_kind_of_leave(staff):
    day = MONDAY + timedelta(days=9)
    leave = services.leave_apply(
        actor=staff.doctor,
        leave_type=LeaveType.objects.get(code="sick"),
        start_date=day,
        end_date=day,
    )

    services.leave_approve(actor=staff.admin, leave_request=leave)

    reason = ScheduleException.objects.get(source=f"leave:{leave.pk}").reason
    assert reason.startswith("On leave") and "sick" not in reason.lower()
