"""Leave: applying, withdrawing, cancelling and deciding, and the balance they move; the leave
types and the hospital's closure days the administrator keeps.

The rules are Kenya's Employment Act 2007 s.28-30 as the leave types' defaults say them, and
what docs/DECISIONS.md ("Leave") chose where the issue is silent.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinical import selectors as clinical_selectors
from clinical import services as clinical
from hms import audit, files, rbac, realtime, submissions
from hms.locking import locked
from hms.refusals import Refusal
from hr import leave_days, live
from hr import leave_selectors as selectors
from hr.leave_selectors import days_said
from hr.models import (
    ClosureDay,
    LeaveCharge,
    LeaveEntitlement,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
)
from messaging.services import notify

__all__ = [
    "LEAVE_TYPE_FIELDS",
    "LeaveError",
    "check_leave_dates",
    "closure_day_add",
    "closure_day_remove",
    "leave_apply",
    "leave_approve",
    "leave_cancel",
    "leave_reject",
    "leave_type_update",
    "leave_withdraw",
]


class LeaveError(Refusal):
    """A leave action refused by a rule, with the sentence the person reads."""


def _today() -> date:
    return timezone.localdate()


def _save_charges(leave_request: LeaveRequest, by_year: dict[int, Decimal]) -> None:
    leave_request.charges.all().delete()
    LeaveCharge.objects.bulk_create(
        LeaveCharge(request=leave_request, year=year, days=days) for year, days in by_year.items()
    )


def _publish_mine(leave_request: LeaveRequest) -> None:
    """Refresh the applicant's open "My leave" pages (topic leave.<user>): the request's row
    and the balances."""
    user = leave_request.user
    year = _today().year
    context = {
        "leave_request": leave_request,
        "balances": selectors.balances_for([user], year)[user.pk],
        "year": year,
        "user": user,
        "oob": True,
    }
    # Two messages: a table row swaps only from a fragment that starts with it (HTML parses a
    # <tr> after other elements away), and the ws extension swaps each message's top elements.
    for part in ("balances", "row"):
        realtime.publish(live.leave_topic(user.pk), f"hr/leave/my_leave.html#{part}", context)


# One request covers at most a year of days, asked at most two years ahead: a longer absence is
# one request a year, and a slip of the year (2062 for 2026) is refused before it is counted.
LONGEST_REQUEST = timedelta(days=366)
FURTHEST_AHEAD = timedelta(days=2 * 365)


def check_leave_dates(start: date, end: date, starts_afternoon: bool, ends_morning: bool) -> None:
    """The dates' own refusals, before anything is counted (the form's preview asks them too).

    Raises LeaveError with its field: an end before the start, both half days on one day, a
    request over LONGEST_REQUEST, a start more than FURTHEST_AHEAD away or more than
    HMS_LEAVE_BACKDATE_DAYS in the past."""
    if end < start:
        raise LeaveError("The last day is before the first day.", field="end_date")
    if start == end and starts_afternoon and ends_morning:
        raise LeaveError(
            "A one-day leave is the whole day, its morning or its afternoon: tick one box only.",
            field="ends_morning",
        )
    if end - start >= LONGEST_REQUEST:
        raise LeaveError(
            "One request covers at most a year (366 days): ask for a longer absence one year at"
            " a time.",
            field="end_date",
        )
    if start > _today() + FURTHEST_AHEAD:
        raise LeaveError(
            f"Leave is asked at most two years ahead (until {_today() + FURTHEST_AHEAD:%-d %b %Y}):"
            " check the year.",
            field="start_date",
        )
    earliest = _today() - timedelta(days=settings.HMS_LEAVE_BACKDATE_DAYS)
    if start < earliest:
        raise LeaveError(
            f"Leave can start at most {settings.HMS_LEAVE_BACKDATE_DAYS} days ago"
            f" ({earliest:%a %-d %b}); ask the administrator about earlier days.",
            field="start_date",
        )


@transaction.atomic
@submissions.once("leave.apply")
def leave_apply(
    *,
    actor: User,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    starts_afternoon: bool = False,
    ends_morning: bool = False,
    reason: str = "",
    attachment: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> LeaveRequest:
    """Apply for leave for oneself: pending until the administrator decides.

    The dates are inclusive; `starts_afternoon` / `ends_morning` make the first / last day a
    half day. The cost (hr.leave_days) is charged to each year's balance for its own days.
    Serialised per person (the person's row is locked), so two applications at once cannot
    both pass the overlap and balance checks.

    Raises PermissionDenied when the actor's role does not apply for leave (the administrator
    account included: rbac.offers); LeaveError (with the form field it is about) when the type is
    not in use, the end is before the start, the start is more than HMS_LEAVE_BACKDATE_DAYS in the
    past, the days cost nothing, they overlap a pending or approved leave of the person (half days
    counted), they are more than the balance (unpaid leave excepted), or a document is required and
    missing or not an accepted file.
    """
    if not rbac.offers(actor, "hr.self_service"):
        # The administrator account decides leave; an administrator's own leave is asked from
        # their staff account (rbac.offers), or nobody else could ever decide it.
        raise PermissionDenied(
            "The administrator account does not take leave: ask from your own staff account,"
            " so that someone else decides it."
            if rbac.passes_every_check(actor)
            else "Your role does not apply for leave here."
        )
    locked(User.objects).filter(pk=actor.pk).first()
    if not leave_type.active:
        raise LeaveError(f"{leave_type.name} is no longer in use.", field="leave_type")
    check_leave_dates(start_date, end_date, starts_afternoon, ends_morning)
    quote = selectors.leave_quote(
        user=actor,
        leave_type=leave_type,
        start=start_date,
        end=end_date,
        starts_afternoon=starts_afternoon,
        ends_morning=ends_morning,
    )
    if quote.days == 0:
        raise LeaveError(
            "These days are all weekends, public holidays or closure days: they cost no leave.",
            field="end_date",
        )
    clash = selectors.overlapping(
        actor, start_date, end_date, starts_afternoon=starts_afternoon, ends_morning=ends_morning
    )
    if clash is not None:
        raise LeaveError(
            f"You already have {clash.leave_type.name.lower()} on {clash.span}"
            f" ({clash.get_status_display().lower()}): choose other days.",
            field="start_date",
        )
    short = quote.short_year
    if short is not None:
        left = quote.balances[short].left
        raise LeaveError(
            f"This costs {days_said(quote.by_year[short])} of {short}, and you have"
            f" {days_said(max(left, Decimal(0)))} of {leave_type.name.lower()} left in {short}.",
            field="end_date",
        )
    attachment_type = ""
    if attachment:
        try:
            attachment_type = files.check_upload(attachment)
        except files.UploadRefused as refusal:
            raise LeaveError(f"{refusal} Choose the file again.", field="attachment") from None
    elif quote.document_required:
        beyond = leave_type.document_after_days
        raise LeaveError(
            f"{leave_type.name}{f' of more than {days_said(beyond)}' if beyond else ''} needs a"
            " document (a sick note, a letter): attach a PDF or a photo.",
            field="attachment",
        )
    leave_request = LeaveRequest(
        user=actor,
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        starts_afternoon=starts_afternoon,
        ends_morning=ends_morning,
        reason=reason.strip()[:300],
        days=quote.days,
        attachment_type=attachment_type,
    )
    if attachment:
        try:
            files.store(leave_request.attachment, "upload", attachment)
        except files.StorageUnavailable as refusal:
            raise LeaveError(f"{refusal} Choose the file again.", field="attachment") from None
    leave_request.save()
    _save_charges(leave_request, quote.by_year)
    audit.record(
        actor=actor,
        action="leave.apply",
        obj=leave_request,
        after={
            "type": leave_type.code,
            "start": start_date,
            "end": end_date,
            "starts_afternoon": starts_afternoon,
            "ends_morning": ends_morning,
            "days": quote.days,
        },
        request=request,
    )
    notify(
        rbac.ADMIN,
        f"{actor} asks for {leave_type.name.lower()}: {leave_request.span} ({days_said(quote.days)}).",
        link=reverse("leave_queue"),
        kind="leave",
    )
    _publish_mine(leave_request)
    return leave_request


def _locked(leave_request: LeaveRequest) -> LeaveRequest:
    return (
        locked(LeaveRequest.objects).select_related("user", "leave_type").get(pk=leave_request.pk)
    )


@transaction.atomic
def leave_withdraw(
    *, actor: User, leave_request: LeaveRequest, request: HttpRequest | None = None
) -> LeaveRequest:
    """The applicant takes back a request still waiting for a decision: its days return.

    Raises LeaveError when it is not the actor's own, or it is no longer pending.
    """
    leave_request = _locked(leave_request)
    if leave_request.user_id != actor.pk:
        raise LeaveError("Only the person who asked can withdraw a request.")
    if leave_request.status != LeaveStatus.PENDING:
        raise LeaveError(
            f"This request is {leave_request.get_status_display().lower()}: it can no longer be"
            " withdrawn."
        )
    leave_request.status = LeaveStatus.WITHDRAWN
    leave_request.closed_at = timezone.now()
    leave_request.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, action="leave.withdraw", obj=leave_request, request=request)
    _publish_mine(leave_request)
    return leave_request


@transaction.atomic
def leave_cancel(
    *, actor: User, leave_request: LeaveRequest, request: HttpRequest | None = None
) -> LeaveRequest:
    """Cancel approved leave: the days not yet taken return to the balance.

    A leave not yet begun is cancelled whole. A leave already begun is cut short: it now ends
    yesterday, the days from today on return (begun today: cancelled whole). A doctor's leave
    reopens their clinic hours from today on (clinical.services.days_off_for_leave_lifted).
    The applicant cancels their own (a doctor's clinic hours open again with it); the
    administrator cancels anyone's.

    Raises LeaveError when the actor may not, the leave is not approved, or it is over.
    """
    leave_request = _locked(leave_request)
    deciding = rbac.allows(actor, "hr.approve_leave")
    if not deciding and leave_request.user_id != actor.pk:
        raise LeaveError("Only the person on leave or the administrator can cancel it.")
    if leave_request.status != LeaveStatus.APPROVED:
        raise LeaveError(
            f"This request is {leave_request.get_status_display().lower()}: only approved leave"
            " is cancelled (withdraw a request still waiting)."
        )
    today = _today()
    if leave_request.end_date < today:
        raise LeaveError("This leave is over: it can no longer be cancelled.")
    before = {"status": leave_request.status, "end": leave_request.end_date}
    if leave_request.start_date >= today:
        leave_request.status = LeaveStatus.CANCELLED
        leave_request.closed_at = timezone.now()
        leave_request.charges.all().delete()
        leave_request.save(update_fields=["status", "closed_at"])
    else:
        leave_request.end_date = today - timedelta(days=1)
        leave_request.ends_morning = False
        leave_request.cut_short_on = today
        parts = selectors.request_parts(leave_request)
        by_year = leave_days.cost_by_year(
            parts,
            counts=leave_request.leave_type.counts,
            off_days=selectors.off_days(leave_request.start_date, leave_request.end_date),
        )
        leave_request.days = sum(by_year.values(), Decimal(0))
        leave_request.save(update_fields=["end_date", "ends_morning", "cut_short_on", "days"])
        _save_charges(leave_request, by_year)
    audit.record(
        actor=actor,
        action="leave.cancel",
        obj=leave_request,
        before=before,
        after={"status": leave_request.status, "end": leave_request.end_date},
        request=request,
    )
    if leave_request.closes_clinic_hours:
        clinical.days_off_for_leave_lifted(
            actor=actor, source=f"leave:{leave_request.pk}", from_day=today, request=request
        )
    if actor.pk != leave_request.user_id:
        notify(
            leave_request.user,
            f"Your {leave_request.leave_type.name.lower()} ({leave_request.span}) was cancelled"
            " by the administrator.",
            link=reverse("my_leave"),
            kind="leave",
        )
    _publish_mine(leave_request)
    return leave_request


def _decidable(actor: User, leave_request: LeaveRequest) -> LeaveRequest:
    if not rbac.allows(actor, "hr.approve_leave"):
        raise PermissionDenied("Only the administrator decides leave.")
    leave_request = _locked(leave_request)
    if leave_request.user_id == actor.pk:
        raise LeaveError("Someone else decides your own leave.")
    if leave_request.status != LeaveStatus.PENDING:
        raise LeaveError(
            f"This request is already {leave_request.get_status_display().lower()}"
            + (f" by {leave_request.decided_by}." if leave_request.decided_by else ".")
        )
    return leave_request


@transaction.atomic
@submissions.once("leave.approve")
def leave_approve(
    *,
    actor: User,
    leave_request: LeaveRequest,
    comment: str = "",
    patients_moved_knowingly: bool = False,
    request: HttpRequest | None = None,
) -> LeaveRequest:
    """Approve a pending request (audited; the applicant is notified live).

    A doctor's approved leave closes their clinic hours on those days
    (clinical.services.days_off_for_leave, source "leave:<pk>"); appointments already booked
    then stay for reception to move. When there are any, the administrator must say they know
    (`patients_moved_knowingly`), having been shown how many.

    Raises PermissionDenied when the actor's role may not decide leave; LeaveError when it is their
    own request, it was decided already, or booked patients were not acknowledged (field
    "patients_moved_knowingly").
    """
    leave_request = _decidable(actor, leave_request)
    parts = selectors.request_parts(leave_request)
    if leave_request.closes_clinic_hours and not patients_moved_knowingly:
        booked = clinical_selectors.appointments_in_days(leave_request.user, parts).count()
        if booked:
            raise LeaveError(
                f"{booked} patient{'s are' if booked != 1 else ' is'} booked with"
                f" {leave_request.user} on these days. Tick the box to approve anyway; reception"
                " will then see them under “to move”.",
                field="patients_moved_knowingly",
            )
    leave_request.status = LeaveStatus.APPROVED
    leave_request.decided_by = actor
    leave_request.decided_at = timezone.now()
    leave_request.decision_comment = comment.strip()[:300]
    leave_request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit.record(
        actor=actor,
        action="leave.approve",
        obj=leave_request,
        before={"status": LeaveStatus.PENDING},
        after={"status": LeaveStatus.APPROVED, "comment": leave_request.decision_comment},
        request=request,
    )
    if leave_request.closes_clinic_hours:
        clinical.days_off_for_leave(
            actor=actor,
            doctor=leave_request.user,
            days=parts,
            # "On leave", never the type: patients and the desk read it (sick or maternity
            # leave is the doctor's own business).
            reason=f"On leave {leave_request.span}",
            source=f"leave:{leave_request.pk}",
            request=request,
        )
    comment_said = f" “{leave_request.decision_comment}”" if leave_request.decision_comment else ""
    notify(
        leave_request.user,
        f"Your {leave_request.leave_type.name.lower()} ({leave_request.span}) is approved."
        + comment_said,
        link=reverse("my_leave"),
        kind="leave",
    )
    _publish_mine(leave_request)
    return leave_request


@transaction.atomic
@submissions.once("leave.reject")
def leave_reject(
    *,
    actor: User,
    leave_request: LeaveRequest,
    comment: str,
    request: HttpRequest | None = None,
) -> LeaveRequest:
    """Refuse a pending request, saying why (audited; the applicant is notified live; the
    days return to their balance).

    Raises PermissionDenied and LeaveError as leave_approve does, and LeaveError when no reason
    is given (field "comment").
    """
    leave_request = _decidable(actor, leave_request)
    comment = comment.strip()[:300]
    if not comment:
        raise LeaveError("Say why, so the person knows what to change.", field="comment")
    leave_request.status = LeaveStatus.REJECTED
    leave_request.decided_by = actor
    leave_request.decided_at = timezone.now()
    leave_request.decision_comment = comment
    leave_request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit.record(
        actor=actor,
        action="leave.reject",
        obj=leave_request,
        before={"status": LeaveStatus.PENDING},
        after={"status": LeaveStatus.REJECTED, "comment": comment},
        request=request,
    )
    notify(
        leave_request.user,
        f"Your {leave_request.leave_type.name.lower()} ({leave_request.span}) was not approved:"
        f" “{comment}”",
        link=reverse("my_leave"),
        kind="leave",
    )
    _publish_mine(leave_request)
    return leave_request


LEAVE_TYPE_FIELDS = (
    "name",
    "counts",
    "carry_over_limit",
    "document_after_days",
    "full_pay_days",
    "unpaid",
    "active",
)


@transaction.atomic
def leave_type_update(
    *,
    actor: User,
    leave_type: LeaveType,
    values: dict,
    entitlements: dict[str, Decimal],
    request: HttpRequest | None = None,
) -> LeaveType:
    """Change a leave type's rules (`values`: any of LEAVE_TYPE_FIELDS) and its yearly days per
    role (`entitlements`: {role: days}). Requests already made keep what they cost. Audited.

    Raises PermissionDenied when the actor's role may not; LeaveError when the name is another
    type's.
    """
    if not rbac.allows(actor, "hr.approve_leave"):
        raise PermissionDenied("Only the administrator changes leave types.")
    leave_type = locked(LeaveType.objects).get(pk=leave_type.pk)
    before = {name: getattr(leave_type, name) for name in LEAVE_TYPE_FIELDS}
    before["entitlements"] = dict(leave_type.entitlements.values_list("role", "days"))
    for name in LEAVE_TYPE_FIELDS:
        if name in values:
            setattr(leave_type, name, values[name])
    if LeaveType.objects.filter(name__iexact=leave_type.name).exclude(pk=leave_type.pk).exists():
        raise LeaveError("Another leave type has this name.", field="name")
    leave_type.save()
    for role, days in entitlements.items():
        LeaveEntitlement.objects.update_or_create(
            leave_type=leave_type, role=role, defaults={"days": days}
        )
    after = {name: getattr(leave_type, name) for name in LEAVE_TYPE_FIELDS}
    after["entitlements"] = dict(leave_type.entitlements.values_list("role", "days"))
    audit.record(
        actor=actor,
        action="leave.type_update",
        obj=leave_type,
        before=before,
        after=after,
        request=request,
    )
    return leave_type


@transaction.atomic
def closure_day_add(
    *, actor: User, day: date, name: str, request: HttpRequest | None = None
) -> ClosureDay:
    """Add a day the hospital closes: not a working day for leave counted in working days
    (requests already made keep what they cost), and no doctor's clinic is offered for booking
    that day (clinical.services.days_off_for_leave, source "closure:<pk>"); patients already
    booked are listed for reception to move. `closure.booked` says how many. Audited.

    Raises PermissionDenied when the actor's role may not; LeaveError when no name is given, the day
    is past, more than two years ahead, a weekend or a public holiday (already not a working day),
    or already a closure.
    """
    if not rbac.allows(actor, "hr.approve_leave"):
        raise PermissionDenied("Only the administrator adds closure days.")
    name = name.strip()
    if not name:
        raise LeaveError("Name the day (e.g. “Staff retreat”).", field="name")
    today = _today()
    if day < today:
        raise LeaveError("A closure day is added ahead: choose today or a later day.", field="date")
    if day > today + FURTHEST_AHEAD:
        raise LeaveError("A closure day is added at most two years ahead.", field="date")
    if day.weekday() >= 5:
        raise LeaveError(
            f"{day:%A %-d %b %Y} is a weekend day: it is not a working day already.", field="date"
        )
    holiday = leave_days.public_holidays(day, day).get(day)
    if holiday:
        raise LeaveError(
            f"{day:%a %-d %b %Y} is {holiday}, a public holiday: not a working day already.",
            field="date",
        )
    try:
        with transaction.atomic():
            closure = ClosureDay.objects.create(date=day, name=name[:80], created_by=actor)
    except IntegrityError:
        raise LeaveError(f"{day:%a %-d %b %Y} is already a closure day.", field="date") from None
    audit.record(actor=actor, action="leave.closure_add", obj=closure, request=request)
    closure.booked = 0
    for doctor in clinical_selectors.doctors():
        closure.booked += clinical_selectors.appointments_in_days(doctor, [(day, "day")]).count()
        clinical.days_off_for_leave(
            actor=actor,
            doctor=doctor,
            days=[(day, "day")],
            reason=f"Hospital closed: {closure.name}",
            source=f"closure:{closure.pk}",
            request=request,
        )
    return closure


@transaction.atomic
def closure_day_remove(
    *, actor: User, closure: ClosureDay, request: HttpRequest | None = None
) -> None:
    """Remove a closure day. Audited. Raises PermissionDenied when the actor's role may not."""
    if not rbac.allows(actor, "hr.approve_leave"):
        raise PermissionDenied("Only the administrator removes closure days.")
    audit.record(
        actor=actor,
        action="leave.closure_remove",
        obj=closure,
        before={"date": closure.date, "name": closure.name},
        request=request,
    )
    clinical.days_off_for_leave_lifted(actor=actor, source=f"closure:{closure.pk}", request=request)
    closure.delete()
