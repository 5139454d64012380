"""Leave screens: applying with the cost shown before sending, refusals beside their field, the
administrator's queue and decision, who is away, the balance sheet, types and closure days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Department
from hms import rbac
from hr import services
from hr.leave_calendar import LeaveDay, approved_leave_days
from hr.leave_days import HALF, ONE, ZERO
from hr.models import ClosureDay, LeaveRequest, LeaveStatus, LeaveType
from tests.factories import AppointmentFactory, UserFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 16)

pytestmark = pytest.mark.usefixtures("leave_types")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=NAIROBI), tick=False):
        yield


def typed(start: date, end: date, code="annual", **extra) -> dict:
    return {
        "leave_type": LeaveType.objects.get(code=code).pk,
        "start_date": f"{start:%d/%m/%Y}",
        "end_date": f"{end:%d/%m/%Y}",
        **extra,
    }


def apply(user, start, end, code="annual", **extra) -> LeaveRequest:
    return services.leave_apply(
        actor=user,
        leave_type=LeaveType.objects.get(code=code),
        start_date=start,
        end_date=end,
        **extra,
    )


def test_the_preview_says_what_the_days_cost_and_what_is_left(staff, client_for):
    client = client_for(staff.nurse)

    page = client.get(
        reverse("leave_preview"),
        typed(MONDAY + timedelta(days=7), MONDAY + timedelta(days=13)),
        headers={"HX-Request": "true"},
    ).content.decode()

    assert 'data-testid="preview-days">5 days<' in page
    assert "In 2026: 21 days left now, 16 days after this" in page
    assert "<html" not in page  # the fragment only


def test_the_preview_waits_quietly_for_dates(staff, client_for):
    page = client_for(staff.nurse).get(reverse("leave_preview"), {"start_date": "31/02/2026"})

    assert page.status_code == 200 and "Choose the type of leave" in page.content.decode()


def test_applying_sends_the_request_and_my_leave_shows_it(staff, client_for):
    client = client_for(staff.nurse)

    response = client.post(
        reverse("leave_apply"),
        typed(MONDAY + timedelta(days=7), MONDAY + timedelta(days=8), reason="Family visit"),
        follow=True,
    )

    page = response.content.decode()
    assert "Your request is sent" in page and "Waiting for a decision" in page
    assert 'data-testid="balance-annual">19 ' in page


def test_a_refused_application_says_why_beside_the_field_and_keeps_what_was_typed(
    staff, client_for
):
    apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=9))
    client = client_for(staff.nurse)

    response = client.post(
        reverse("leave_apply"),
        typed(MONDAY + timedelta(days=8), MONDAY + timedelta(days=10), reason="Wedding"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "You already have annual leave" in page
    assert 'id="error_1_id_start_date"' in page or "invalid-feedback" in page
    assert "Wedding" in page and "24/11/2026" in page
    assert LeaveRequest.objects.filter(user=staff.nurse).count() == 1


def test_an_impossible_date_is_said_beside_its_field(staff, client_for):
    response = client_for(staff.nurse).post(
        reverse("leave_apply"),
        {"leave_type": "x", "start_date": "31/02/2026", "end_date": "01/03/2026"},
    )

    assert response.status_code == 200 and "day/month/year" in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_withdrawing_from_my_leave(staff, client_for):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    page = client_for(staff.nurse).post(reverse("leave_withdraw", args=[leave.pk]), follow=True)

    leave.refresh_from_db()
    assert leave.status == LeaveStatus.WITHDRAWN and "Request withdrawn" in page.content.decode()


def test_someone_elses_request_cannot_be_withdrawn(staff, client_for):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    response = client_for(staff.receptionist).post(reverse("leave_withdraw", args=[leave.pk]))

    leave.refresh_from_db()
    assert response.status_code == 404 and leave.status == LeaveStatus.PENDING


def test_the_queue_lists_requests_waiting_with_their_count(staff, client_for):
    for n in range(3):
        day = MONDAY + timedelta(days=7 + n)
        apply(staff.nurse, day, day)

    page = client_for(staff.admin).get(reverse("leave_queue")).content.decode()

    assert page.count('data-testid="queue-row"') == 3 and "3 requests waiting in all" in page


def test_approving_a_doctor_with_patients_booked_asks_first(staff, client_for):
    day = MONDAY + timedelta(days=7)
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=NAIROBI)
    AppointmentFactory(
        doctor=staff.doctor, starts_at=starts, ends_at=starts + timedelta(minutes=15)
    )
    leave = apply(staff.doctor, day, day)
    client = client_for(staff.admin)
    url = reverse("leave_decide", args=[leave.pk])

    shown = client.get(url).content.decode()
    refused = client.post(url, {"decision": "approve"}).content.decode()
    done = client.post(url, {"decision": "approve", "patients_moved_knowingly": "on"}, follow=True)

    assert "1 patient</strong> is booked" in shown
    assert "Tick the box to approve anyway" in refused
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED and "approved" in done.content.decode()


def test_not_approving_without_a_reason_is_said_beside_the_comment(staff, client_for):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    page = (
        client_for(staff.admin)
        .post(reverse("leave_decide", args=[leave.pk]), {"decision": "reject"})
        .content.decode()
    )

    assert "Say why" in page
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.PENDING


def test_who_is_away_shows_approved_leave_by_day_and_department(staff, client_for):
    leave = apply(staff.nurse, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))
    services.leave_approve(actor=staff.admin, leave_request=leave)
    apply(staff.receptionist, MONDAY, MONDAY)  # pending: not away

    page = client_for(staff.admin).get(reverse("leave_away")).content.decode()

    assert page.count('data-testid="away-row"') == 1 and str(staff.nurse) in page
    assert page.count(">Day</span>") == 3  # two days, and the legend


def test_approved_leave_days_tell_attendance_who_is_away(staff):
    leave = apply(staff.nurse, date(2026, 11, 20), date(2026, 11, 23), starts_afternoon=True)
    services.leave_approve(actor=staff.admin, leave_request=leave)

    days = approved_leave_days(user_ids=[staff.nurse.pk], first=MONDAY, last=date(2026, 11, 30))

    assert days[staff.nurse.pk] == {
        date(2026, 11, 20): LeaveDay("Annual leave", "afternoon", HALF),
        date(2026, 11, 21): LeaveDay("Annual leave", "day", ZERO),
        date(2026, 11, 22): LeaveDay("Annual leave", "day", ZERO),
        date(2026, 11, 23): LeaveDay("Annual leave", "day", ONE),
    }


def test_the_balance_sheet_of_300_staff_asks_a_constant_number_of_queries(
    staff, client_for, django_assert_max_num_queries
):
    people = UserFactory.create_batch(300, role=rbac.NURSE)
    for person in people[:40]:
        apply(person, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))
    client = client_for(staff.admin)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("leave_balances")).content.decode()

    assert page.count('data-testid="balance-row"') == 25
    assert "of 309 people" in page


def test_the_balance_sheet_shows_each_years_own_days_searched_or_not(staff, client_for):
    from accounts.models import User
    from hr import leave_selectors
    from hr.models import LeaveCharge

    people = [
        UserFactory(role=rbac.NURSE, first_name=f"Amina{n:02d}", last_name="Odhiambo")
        for n in range(27)
    ]
    across = apply(people[0], date(2026, 12, 30), date(2027, 1, 4))
    services.leave_approve(actor=staff.admin, leave_request=across)
    waiting = apply(people[1], date(2027, 1, 5), date(2027, 1, 6))
    client = client_for(staff.admin)

    first = client.get(reverse("leave_balances"), {"year": "2027"}).content.decode()
    searched = client.get(reverse("leave_balances"), {"q": "amina0"}).content.decode()
    balances = {year: leave_selectors.balances_for(people[:3], year) for year in (2026, 2027)}

    staff_in_order = User.objects.filter(is_active=True).exclude(role=rbac.PATIENT)
    names = [str(u) for u in staff_in_order.order_by("last_name", "first_name", "pk")]
    rows = first.split('data-testid="balance-row"')[1:]
    assert [row.split("<div", 1)[0].split(">")[-1] for row in rows] == names[:25]
    assert searched.count('data-testid="balance-row"') == 10
    charged = {
        (charge.request_id, charge.year): charge.days for charge in LeaveCharge.objects.all()
    }
    annual = {
        year: [next(b for b in found[p.pk] if b.leave_type.code == "annual") for p in people[:3]]
        for year, found in balances.items()
    }
    assert [b.taken for b in annual[2026]] == [charged[across.pk, 2026], ZERO, ZERO]
    assert [b.taken for b in annual[2027]] == [charged[across.pk, 2027], ZERO, ZERO]
    assert [b.pending for b in annual[2027]] == [ZERO, charged[waiting.pk, 2027], ZERO]
    assert [b.pending for b in annual[2026]] == [ZERO, ZERO, ZERO]
    assert charged[across.pk, 2027] > ZERO and charged[waiting.pk, 2027] > ZERO


def test_the_leave_queue_and_who_is_away_keep_their_queries_as_requests_grow(
    staff, client_for, django_assert_max_num_queries
):
    people = UserFactory.create_batch(60, role=rbac.NURSE)
    for person in people:
        leave = apply(person, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))
        if person.pk % 2:
            services.leave_approve(actor=staff.admin, leave_request=leave)
    client = client_for(staff.admin)

    with django_assert_max_num_queries(11):
        client.get(reverse("leave_queue"))
    with django_assert_max_num_queries(6):
        client.get(reverse("leave_away"))
    with django_assert_max_num_queries(6):
        client.get(reverse("leave_queue"), {"decided": "all"})


def test_the_queues_first_rows_are_the_lists_own_first_rows(staff):
    from hr import leave_selectors

    people = UserFactory.create_batch(30, role=rbac.NURSE)
    for n, person in enumerate(people):
        leave = apply(person, MONDAY + timedelta(days=1 + n % 9), MONDAY + timedelta(days=10))
        if n % 3 == 0:
            services.leave_approve(actor=staff.admin, leave_request=leave)
        elif n % 3 == 1:
            services.leave_reject(actor=staff.admin, leave_request=leave, comment="Short-staffed")

    pending = leave_selectors.first_pending(26)()
    decided = leave_selectors.first_decided(11)()

    assert [r.pk for r in pending] == [r.pk for r in leave_selectors.pending_queue()[:26]]
    assert [r.pk for r in decided] == [r.pk for r in leave_selectors.decided_recently()[:11]]
    assert len(pending) == 10 and len(decided) == 11
    assert all(r.decided_by_id == staff.admin.pk for r in decided)
    assert [r.user.pk for r in pending] == [r.user_id for r in pending]


def test_every_decided_request_is_reached_from_the_latest_ten(staff, client_for):
    people = UserFactory.create_batch(12, role=rbac.NURSE)
    for person in people:
        leave = apply(person, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1))
        services.leave_approve(actor=staff.admin, leave_request=leave)
    client = client_for(staff.admin)

    queue = client.get(reverse("leave_queue")).content.decode()
    every = client.get(reverse("leave_queue"), {"decided": "all"}).content.decode()

    assert "10 of 12" in queue and f'href="{reverse("leave_queue")}?decided=all"' in queue
    decided = every.split('data-testid="leave-decided"')[1].split("</table>")[0]
    assert decided.count("<tr><td>") == 12 and "12 requests decided in all" in every
    assert 'data-testid="leave-queue"' not in every


def test_the_administrator_changes_a_leave_type_and_a_bad_number_is_said_beside_it(
    staff, client_for
):
    leave_type = LeaveType.objects.get(code="annual")
    url = reverse("leave_type_edit", args=[leave_type.pk])
    client = client_for(staff.admin)
    form = {
        "name": "Annual leave",
        "counts": "working",
        "carry_over_limit": "5",
        "document_after_days": "",
        "full_pay_days": "",
        "active": "on",
        **{f"days_{role}": "21" for role in rbac.STAFF_ROLES},
    }

    bad = client.post(url, form | {"days_nurse": "1e3"})
    good = client.post(url, form | {"days_nurse": "24"}, follow=True)

    assert bad.status_code == 200 and "1e3" in bad.content.decode()
    assert "Annual leave saved" in good.content.decode()
    assert leave_type.entitlements.get(role=rbac.NURSE).days == 24
    listed = client.get(reverse("leave_types")).content.decode()
    assert "24 <span" in listed and "(Nurse)" in listed and "no limit" in listed


def test_a_closure_day_is_added_and_removed(staff, client_for):
    client = client_for(staff.admin)

    client.post(reverse("closure_days"), {"date": "24/12/2026", "name": "Christmas Eve"})
    again = client.post(reverse("closure_days"), {"date": "24/12/2026", "name": "Again"})
    closure = ClosureDay.objects.get()
    client.post(reverse("closure_day_remove", args=[closure.pk]))

    assert "already a closure day" in again.content.decode()
    assert not ClosureDay.objects.exists()


@pytest.mark.parametrize("role", [rbac.NURSE, rbac.DOCTOR, rbac.PHARMACIST])
def test_staff_find_my_leave_in_their_menu_and_the_administrator_the_leave_screens(
    staff, client_for, role
):
    mine = client_for(staff.of_role(role)).get(reverse("dashboard")).content.decode()
    admins = client_for(staff.admin).get(reverse("dashboard")).content.decode()

    assert f'href="{reverse("my_leave")}"' in mine and reverse("leave_queue") not in mine
    for name in ("leave_queue", "leave_away", "leave_balances", "leave_types", "closure_days"):
        assert reverse(name) in admins, name
    assert f'href="{reverse("my_leave")}"' not in admins


def test_a_sick_note_is_uploaded_with_the_request_and_only_the_administrator_opens_it(
    staff, client_for
):
    note = SimpleUploadedFile("note.pdf", b"%PDF-1.4 sick note", content_type="application/pdf")

    client_for(staff.nurse).post(
        reverse("leave_apply"),
        typed(MONDAY, MONDAY + timedelta(days=2), "sick") | {"attachment": note},
    )

    leave = LeaveRequest.objects.get(user=staff.nurse)
    url = reverse("leave_attachment", args=[leave.pk])
    opened = client_for(staff.admin).get(url)
    assert opened.status_code == 200 and b"".join(opened.streaming_content).startswith(b"%PDF")
    assert client_for(staff.nurse).get(url).status_code == 403


def test_who_is_away_shows_one_department(staff, client_for):
    medicine = Department.objects.create(name="Medicine", code="MED")
    staff.nurse.department = medicine
    staff.nurse.save(update_fields=["department"])
    for person in (staff.nurse, staff.receptionist):
        leave = apply(person, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1))
        services.leave_approve(actor=staff.admin, leave_request=leave)

    page = (
        client_for(staff.admin)
        .get(reverse("leave_away"), {"department": medicine.pk})
        .content.decode()
    )

    assert page.count('data-testid="away-row"') == 1 and str(staff.nurse) in page


def test_half_a_day_carried_in_counts_in_the_year_s_total(staff, client_for):
    # 2025: 18.5 of 21 days taken, 2.5 left; annual leave carries up to 10, so 2026 has 23.5.
    staff.nurse.date_joined = datetime(2024, 6, 1, tzinfo=NAIROBI)
    staff.nurse.save(update_fields=["date_joined"])
    with time_machine.travel(datetime(2025, 3, 2, 9, tzinfo=NAIROBI), tick=False):
        last_year = apply(staff.nurse, date(2025, 3, 3), date(2025, 3, 3))
    LeaveRequest.objects.filter(pk=last_year.pk).update(status=LeaveStatus.APPROVED)
    last_year.charges.update(days="18.5")
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7))

    mine = client_for(staff.nurse).get(reverse("my_leave")).content.decode()
    decide = client_for(staff.admin).get(reverse("leave_decide", args=[leave.pk])).content

    # 21 + 2.5 carried - 1 day asked for.
    assert 'data-testid="balance-annual">22.5 <span class="fs-6 fw-normal">of 23.5<' in mine
    assert b"22.5 left of 23.5 (" in decide


def test_a_request_sent_twice_lands_the_second_time_on_my_leave_showing_it(staff, client_for):
    client = client_for(staff.nurse)
    form = typed(MONDAY + timedelta(days=7), MONDAY + timedelta(days=8), reason="Family visit")
    form["submission"] = "0b7e9c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d"
    first = client.post(reverse("leave_apply"), form, headers={"Referer": "/hr/leave/apply/"})

    again = client.post(
        reverse("leave_apply"), form, headers={"Referer": "/hr/leave/apply/"}, follow=True
    )

    page = again.content.decode()
    assert first.status_code == 302 and again.redirect_chain[-1][0] == first["Location"]
    assert "That form arrived twice; it was done once." in page
    assert "Waiting for a decision" in page and LeaveRequest.objects.count() == 1
