"""Leave: applying, the refusals a person reads, withdrawing, cancelling, deciding, balances across
the year's end, and a doctor's leave meeting the clinic's bookings. The clock is frozen in the
hospital's zone on Monday 16 November 2026."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from clinical import selectors as clinical_selectors
from clinical.models import ScheduleException
from hms import rbac
from hms.models import AuditEntry
from hms.submissions import AlreadySubmitted
from hr import services
from hr.leave_selectors import balance_of, leave_quote
from hr.models import ClosureDay, LeaveCharge, LeaveRequest, LeaveStatus, LeaveType
from messaging.models import Notification
from tests.factories import AppointmentFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 16)

pytestmark = pytest.mark.usefixtures("leave_types")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=NAIROBI), tick=False):
        yield


def annual() -> LeaveType:
    return LeaveType.objects.get(code="annual")


def apply(user, start, end, code="annual", **extra) -> LeaveRequest:
    return services.leave_apply(
        actor=user,
        leave_type=LeaveType.objects.get(code=code),
        start_date=start,
        end_date=end,
        **extra,
    )


def refusal(user, start, end, code="annual", **extra) -> services.LeaveError:
    with pytest.raises(services.LeaveError) as caught:
        apply(user, start, end, code, **extra)
    return caught.value


# --- the types a fresh install has --------------------------------------------------------------


def test_a_fresh_install_has_the_employment_acts_leave_types(db):
    types = {t.code: t for t in LeaveType.objects.prefetch_related("entitlements")}

    assert set(types) == {
        "annual",
        "sick",
        "maternity",
        "paternity",
        "compassionate",
        "study",
        "unpaid",
    }
    nurse_days = {code: t.entitlements.get(role=rbac.NURSE).days for code, t in types.items()}
    assert nurse_days["annual"] == 21 and types["annual"].counts == "working"
    assert nurse_days["maternity"] == 90 and types["maternity"].counts == "calendar"
    assert nurse_days["paternity"] == 14 and types["paternity"].counts == "calendar"
    assert nurse_days["sick"] == 14 and types["sick"].full_pay_days == 7
    assert types["sick"].document_after_days == 2 and types["unpaid"].unpaid


# --- applying -----------------------------------------------------------------------------------


def test_applying_charges_working_days_and_waits_for_a_decision(staff):
    nurse = staff.nurse

    leave = apply(nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=13))

    assert leave.status == LeaveStatus.PENDING and leave.days == 5
    balance = balance_of(nurse, annual(), 2026)
    assert (balance.entitlement, balance.pending, balance.left) == (21, 5, 16)
    assert AuditEntry.objects.filter(action="leave.apply", actor=nurse).count() == 1
    assert Notification.objects.filter(recipient=staff.admin, text__contains="annual").exists()


def test_a_half_day_costs_half_and_a_morning_and_afternoon_of_one_day_both_pass(staff):
    day = MONDAY + timedelta(days=2)

    morning = apply(staff.nurse, day, day, ends_morning=True)
    afternoon = apply(staff.nurse, day, day, starts_afternoon=True)

    assert (morning.days, afternoon.days) == (Decimal("0.5"), Decimal("0.5"))


@pytest.mark.parametrize("status", [LeaveStatus.PENDING, LeaveStatus.APPROVED])
def test_overlapping_pending_or_approved_leave_is_refused_beside_the_first_day(staff, status):
    first = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=9))
    LeaveRequest.objects.filter(pk=first.pk).update(status=status)

    said = refusal(staff.nurse, MONDAY + timedelta(days=9), MONDAY + timedelta(days=11))

    assert said.field == "start_date" and "You already have annual leave" in str(said)
    assert LeaveRequest.objects.filter(user=staff.nurse).count() == 1


def test_a_whole_day_overlaps_a_half_day_of_it(staff):
    day = MONDAY + timedelta(days=3)
    apply(staff.nurse, day, day, starts_afternoon=True)

    said = refusal(staff.nurse, day, day, code="sick")

    assert said.field == "start_date" and "afternoon" in str(said)


def test_withdrawn_rejected_and_cancelled_leave_do_not_block_the_days(staff):
    start, end = MONDAY + timedelta(days=7), MONDAY + timedelta(days=8)
    first = apply(staff.nurse, start, end)
    services.leave_withdraw(actor=staff.nurse, leave_request=first)

    again = apply(staff.nurse, start, end)

    assert again.status == LeaveStatus.PENDING


def test_more_than_the_balance_is_refused_but_unpaid_leave_is_not(staff):
    said = refusal(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=41))

    assert said.field == "end_date"
    assert "you have 21 days of annual leave left in 2026" in str(said)
    unpaid = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=41), "unpaid")
    assert unpaid.days == 24  # 25 weekdays, Christmas Day not counted


def test_an_end_before_the_start_is_refused_beside_the_last_day(staff):
    said = refusal(staff.nurse, MONDAY + timedelta(days=5), MONDAY + timedelta(days=4))

    assert said.field == "end_date" and "before the first day" in str(said)


def test_a_start_further_back_than_the_setting_allows_is_refused(staff, settings):
    settings.HMS_LEAVE_BACKDATE_DAYS = 7

    said = refusal(staff.nurse, MONDAY - timedelta(days=8), MONDAY - timedelta(days=8), "sick")
    allowed = apply(staff.nurse, MONDAY - timedelta(days=7), MONDAY - timedelta(days=7), "sick")

    assert said.field == "start_date" and "at most 7 days ago" in str(said)
    assert allowed.days == 1


def test_a_weekend_alone_costs_no_leave_and_is_refused(staff):
    said = refusal(staff.nurse, date(2026, 11, 21), date(2026, 11, 22))

    assert "cost no leave" in str(said)


def test_sick_leave_beyond_two_days_needs_a_document_of_an_accepted_kind(staff):
    start, end = MONDAY, MONDAY + timedelta(days=2)

    missing = refusal(staff.nurse, start, end, "sick")
    text = SimpleUploadedFile("note.txt", b"not a sick note", content_type="text/plain")
    wrong = refusal(staff.nurse, start, end, "sick", attachment=text)
    note = SimpleUploadedFile("note.pdf", b"%PDF-1.4 a sick note", content_type="application/pdf")
    leave = apply(staff.nurse, start, end, "sick", attachment=note)

    assert missing.field == "attachment" and "needs a document" in str(missing)
    assert wrong.field == "attachment" and "PDF" in str(wrong)
    assert leave.attachment_type == "application/pdf" and leave.attachment.name.endswith(".pdf")
    assert "note" not in leave.attachment.name  # never the uploader's name


def test_two_days_of_sick_leave_need_no_document(staff):
    leave = apply(staff.nurse, MONDAY, MONDAY + timedelta(days=1), "sick")

    assert leave.days == 2 and not leave.attachment


def test_a_closure_day_is_not_charged(staff):
    ClosureDay.objects.create(
        date=MONDAY + timedelta(days=9), name="Retreat", created_by=staff.admin
    )

    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=11))

    assert leave.days == 4


def test_the_same_submission_twice_applies_once(staff):
    token = uuid.uuid4()
    apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), submission=token)

    with pytest.raises(AlreadySubmitted):
        apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), submission=token)

    assert LeaveRequest.objects.filter(user=staff.nurse).count() == 1


# --- the year's end and carry-over --------------------------------------------------------------


def test_leave_across_new_year_is_charged_to_each_years_balance(staff):
    # Mon 28 Dec 2026 to Tue 5 Jan 2027: 28, 29, 30, 31 Dec; 1 Jan is a holiday; 4, 5 Jan.
    leave = apply(staff.nurse, date(2026, 12, 28), date(2027, 1, 5))

    charges = dict(LeaveCharge.objects.filter(request=leave).values_list("year", "days"))
    assert charges == {2026: 4, 2027: 2} and leave.days == 6
    assert balance_of(staff.nurse, annual(), 2026).pending == 4
    assert balance_of(staff.nurse, annual(), 2027).pending == 2


def test_a_year_short_of_days_is_named_even_when_the_other_has_them(staff):
    # 2026's 21 days are all taken; the request's 2027 days alone would pass.
    taken = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=35))
    LeaveRequest.objects.filter(pk=taken.pk).update(status=LeaveStatus.APPROVED)

    said = refusal(staff.nurse, date(2026, 12, 31), date(2027, 1, 4))

    assert "of 2026" in str(said) and "left in 2026" in str(said)


def test_days_left_of_last_year_carry_over_up_to_the_limit(staff):
    staff.nurse.date_joined = datetime(2024, 6, 1, tzinfo=NAIROBI)
    staff.nurse.save(update_fields=["date_joined"])
    with time_machine.travel(datetime(2025, 3, 2, 9, tzinfo=NAIROBI), tick=False):
        last_year = apply(staff.nurse, date(2025, 3, 2), date(2025, 3, 6))  # 5 days
    LeaveRequest.objects.filter(pk=last_year.pk).update(status=LeaveStatus.APPROVED)

    balance = balance_of(staff.nurse, annual(), 2026)
    sick = balance_of(staff.nurse, LeaveType.objects.get(code="sick"), 2026)

    # 16 days were left of 2025; annual leave carries at most 10. Sick leave carries nothing.
    assert (balance.carried_over, balance.left) == (10, 31)
    assert sick.carried_over == 0


def test_nothing_is_carried_into_the_year_a_person_joined(staff):
    balance = balance_of(staff.nurse, annual(), 2026)

    assert (balance.carried_over, balance.left) == (0, 21)


# --- withdrawing and cancelling -----------------------------------------------------------------


def test_only_a_pending_request_of_ones_own_can_be_withdrawn(staff):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    with pytest.raises(services.LeaveError):
        services.leave_withdraw(actor=staff.receptionist, leave_request=leave)
    services.leave_withdraw(actor=staff.nurse, leave_request=leave)
    with pytest.raises(services.LeaveError, match="no longer be withdrawn"):
        services.leave_withdraw(actor=staff.nurse, leave_request=leave)

    assert balance_of(staff.nurse, annual(), 2026).left == 21


def test_cancelling_approved_future_leave_gives_the_days_back(staff):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=11))
    services.leave_approve(actor=staff.admin, leave_request=leave)
    assert balance_of(staff.nurse, annual(), 2026).taken == 5

    services.leave_cancel(actor=staff.nurse, leave_request=leave)

    leave.refresh_from_db()
    assert leave.status == LeaveStatus.CANCELLED
    assert balance_of(staff.nurse, annual(), 2026).left == 21


def test_cancelling_leave_already_begun_gives_back_only_the_days_from_today(staff):
    leave = apply(staff.nurse, MONDAY - timedelta(days=2), MONDAY + timedelta(days=4))  # Sat-Fri
    services.leave_approve(actor=staff.admin, leave_request=leave)

    services.leave_cancel(actor=staff.nurse, leave_request=leave)

    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED and leave.end_date == MONDAY - timedelta(days=1)
    assert leave.cut_short_on == MONDAY and leave.days == 0  # only the weekend was taken
    assert balance_of(staff.nurse, annual(), 2026).left == 21


def test_leave_that_is_over_cannot_be_cancelled(staff):
    leave = apply(staff.nurse, MONDAY - timedelta(days=7), MONDAY - timedelta(days=5))
    services.leave_approve(actor=staff.admin, leave_request=leave)

    with pytest.raises(services.LeaveError, match="is over"):
        services.leave_cancel(actor=staff.nurse, leave_request=leave)


# --- deciding -----------------------------------------------------------------------------------


def test_approving_is_audited_and_tells_the_applicant(staff):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    services.leave_approve(actor=staff.admin, leave_request=leave, comment="Enjoy")

    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED and leave.decided_by == staff.admin
    assert AuditEntry.objects.filter(action="leave.approve", object_id=str(leave.pk)).exists()
    told = Notification.objects.get(recipient=staff.nurse)
    assert "is approved" in told.text and "Enjoy" in told.text


def test_rejecting_needs_a_reason_and_gives_the_days_back(staff):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    with pytest.raises(services.LeaveError) as caught:
        services.leave_reject(actor=staff.admin, leave_request=leave, comment="  ")
    services.leave_reject(actor=staff.admin, leave_request=leave, comment="Ward short-staffed")

    assert caught.value.field == "comment"
    assert balance_of(staff.nurse, annual(), 2026).left == 21
    assert "Ward short-staffed" in Notification.objects.get(recipient=staff.nurse).text


def test_only_the_administrator_decides_and_only_once(staff):
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))

    with pytest.raises(PermissionDenied, match="Only the administrator"):
        services.leave_approve(actor=staff.doctor, leave_request=leave)
    services.leave_approve(actor=staff.admin, leave_request=leave)
    with pytest.raises(services.LeaveError, match="already approved"):
        services.leave_reject(actor=staff.admin, leave_request=leave, comment="No")


def _booked(doctor, day: date, hour: int):
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=NAIROBI)
    return AppointmentFactory(
        doctor=doctor, starts_at=starts, ends_at=starts + timedelta(minutes=15)
    )


def test_a_doctors_leave_with_patients_booked_needs_the_administrator_to_say_so(staff):
    day = MONDAY + timedelta(days=7)
    appointment = _booked(staff.doctor, day, 10)
    leave = apply(staff.doctor, day, day + timedelta(days=1))

    with pytest.raises(services.LeaveError) as caught:
        services.leave_approve(actor=staff.admin, leave_request=leave)
    services.leave_approve(actor=staff.admin, leave_request=leave, patients_moved_knowingly=True)

    assert caught.value.field == "patients_moved_knowingly" and "1 patient is booked" in str(
        caught.value
    )
    closed = ScheduleException.objects.filter(doctor=staff.doctor, source=f"leave:{leave.pk}")
    assert sorted(closed.values_list("date", flat=True)) == [day, day + timedelta(days=1)]
    # The appointment stays booked, for reception to move.
    assert list(clinical_selectors.appointments_in_days(staff.doctor, [(day, "day")])) == [
        appointment
    ]


def test_a_doctors_half_day_closes_only_that_half(staff):
    day = MONDAY + timedelta(days=7)
    _booked(staff.doctor, day, 15)  # an afternoon patient
    leave = apply(staff.doctor, day, day, ends_morning=True)

    services.leave_approve(actor=staff.admin, leave_request=leave)  # nobody booked that morning

    assert ScheduleException.objects.filter(source=f"leave:{leave.pk}").count() == 1


def test_a_doctor_cancels_their_own_leave_and_the_clinic_hours_open_again(staff):
    leave = apply(staff.doctor, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))
    services.leave_approve(actor=staff.admin, leave_request=leave)

    services.leave_cancel(actor=staff.doctor, leave_request=leave)

    leave.refresh_from_db()
    assert leave.status == "cancelled"
    assert not ScheduleException.objects.filter(source=f"leave:{leave.pk}").exists()


def test_the_administrator_cancels_a_doctors_leave_and_tells_them(staff):
    leave = apply(staff.doctor, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))
    services.leave_approve(actor=staff.admin, leave_request=leave)

    services.leave_cancel(actor=staff.admin, leave_request=leave)

    assert not ScheduleException.objects.filter(source=f"leave:{leave.pk}").exists()
    assert (
        "cancelled by the administrator"
        in Notification.objects.filter(recipient=staff.doctor).latest("pk").text
    )


def test_nobody_decides_their_own_leave(staff):
    # Asked as a nurse, who became an administrator before it was decided.
    leave = apply(staff.nurse, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7))
    staff.nurse.role = rbac.ADMIN
    staff.nurse.save(update_fields=["role"])

    with pytest.raises(services.LeaveError, match="Someone else"):
        services.leave_approve(actor=staff.nurse, leave_request=leave)


# --- the administrator's rules ------------------------------------------------------------------


def test_the_administrator_changes_a_types_days_per_role_audited(staff):
    services.leave_type_update(
        actor=staff.admin,
        leave_type=annual(),
        values={"carry_over_limit": Decimal("5")},
        entitlements={rbac.NURSE: Decimal("24")},
    )

    assert balance_of(staff.nurse, annual(), 2026).entitlement == 24
    assert balance_of(staff.doctor, annual(), 2026).entitlement == 21
    assert annual().carry_over_limit == 5
    assert AuditEntry.objects.filter(action="leave.type_update").exists()
    with pytest.raises(PermissionDenied, match="Only the administrator changes leave types"):
        services.leave_type_update(
            actor=staff.nurse, leave_type=annual(), values={}, entitlements={}
        )


def test_a_closure_day_is_added_once(staff):
    services.closure_day_add(actor=staff.admin, day=MONDAY, name="Staff retreat")

    with pytest.raises(services.LeaveError) as caught:
        services.closure_day_add(actor=staff.admin, day=MONDAY, name="Again")

    assert caught.value.field == "date" and ClosureDay.objects.count() == 1


def test_the_quote_says_which_sick_days_are_on_half_pay(staff):
    sick = LeaveType.objects.get(code="sick")
    taken = apply(
        staff.nurse,
        MONDAY - timedelta(days=7),
        MONDAY - timedelta(days=3),
        "sick",
        attachment=SimpleUploadedFile("n.pdf", b"%PDF-1.4 note"),
    )
    services.leave_approve(actor=staff.admin, leave_request=taken)  # 5 days on full pay

    quote = leave_quote(
        user=staff.nurse,
        leave_type=sick,
        start=MONDAY + timedelta(days=7),
        end=MONDAY + timedelta(days=9),
    )

    assert quote.half_pay_days(2026) == 1
    assert "1 day of these is on half pay (the first 7 days of a year are on full pay)." in (
        quote.lines
    )


def test_with_the_file_store_down_sick_leave_with_a_note_is_refused_beside_the_note(
    staff, store_down
):
    note = SimpleUploadedFile("note.pdf", b"%PDF-1.4 a sick note", content_type="application/pdf")

    said = refusal(staff.nurse, MONDAY, MONDAY + timedelta(days=2), "sick", attachment=note)

    assert said.field == "attachment"
    assert "nothing was saved" in str(said)
    assert not LeaveRequest.objects.exists()
