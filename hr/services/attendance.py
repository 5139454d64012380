"""Attendance: signing in opens an interval of presence and signing out (or the session's idle
expiry) closes it, with no click; the attendance button's click marks arrival, the next click
marks leaving. The server's clock decides."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from hms import audit, rbac
from hms.locking import locked
from hms.middleware import LAST_ACTIVITY_KEY
from hms.refusals import Refusal
from hr.models import Attendance, Ended, Started

__all__ = [
    "AttendanceError",
    "attendance_close_forgotten",
    "attendance_mark",
    "attendance_sign_in",
    "attendance_sign_out",
    "has_attendance",
]

# A second click this soon after clocking out is a repeated tap, not a new arrival.
REPEAT_TAP = timedelta(minutes=2)


class AttendanceError(Refusal):
    """An attendance action that cannot be done, with the sentence the person reads."""


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


@transaction.atomic
def attendance_mark(*, user: User, request: HttpRequest | None = None) -> Attendance:
    """One click of the attendance button, by the server's clock, in the hospital's zone.

    - An open attendance that began at most HMS_ATTENDANCE_MAX_SHIFT_HOURS hours ago is closed:
      this click is the departure, across midnight too (in 18:30, out 07:10 the next morning).
    - An open attendance older than that is left flagged "no clock-out" (audited) and this click
      is a new arrival; the returned record's `left_open` names the flagged one.
    - Otherwise the click is an arrival (several a day: a break, then back).

    The button's intervals are apart from those signing in opens (attendance_sign_in); a day's
    worked time is the union of both kinds (hr.attendance_rules).

    Returns the attendance the click arrived or left on; `left_open` is set on it (None or the
    earlier attendance flagged by this click).

    Raises AttendanceError when a same-day click comes after the longest shift, or a tap comes a
    moment after clocking out.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    longest = timedelta(hours=settings.HMS_ATTENDANCE_MAX_SHIFT_HOURS)
    still_open = (
        locked(Attendance.objects)
        .filter(user=user, time_out__isnull=True, no_clock_out=False, started_by=Started.CLICK)
        .order_by("-time_in")
        .first()
    )
    left_open = None
    if still_open is not None:
        if now - still_open.time_in <= longest:
            still_open.time_out, still_open.ended_by = now, Ended.CLICK
            still_open.save(update_fields=["time_out", "ended_by"])
            audit.record(actor=user, action="attendance.out", obj=still_open, request=request)
            still_open.left_open = None
            return still_open
        if still_open.date == today:
            raise AttendanceError(
                f"You arrived at {_at(still_open.time_in)} today, more than"
                f" {settings.HMS_ATTENDANCE_MAX_SHIFT_HOURS} hours ago, so this click is not taken"
                " as your departure. Ask your manager to correct today's record."
            )
        still_open.no_clock_out, still_open.ended_by = True, Ended.LONGEST_SHIFT
        still_open.save(update_fields=["no_clock_out", "ended_by"])
        audit.record(
            actor=user,
            action="attendance.no_clock_out",
            obj=still_open,
            before={"no_clock_out": False},
            after={"no_clock_out": True},
            request=request,
        )
        left_open = still_open
    last_out = (
        Attendance.objects.filter(user=user, ended_by=Ended.CLICK).order_by("-time_out").first()
    )
    if last_out is not None and now - last_out.time_out < REPEAT_TAP:
        raise AttendanceError(
            f"You clocked out at {_at(last_out.time_out)} a moment ago; that tap was not taken as"
            " a new arrival."
        )
    try:
        with transaction.atomic():
            record = Attendance.objects.create(user=user, date=today, time_in=now)
    except IntegrityError:  # a double click from two tabs: the first one counted
        raise AttendanceError("Your arrival is already recorded.") from None
    audit.record(actor=user, action="attendance.in", obj=record, request=request)
    record.left_open = left_open
    return record


# --- automatic attendance: signing in and out -------------------------------------------------


def has_attendance(user) -> bool:
    """Whether signing in records `user`'s attendance: the staff roles that see their own
    attendance (hr.self_service), not patients (they sign in to the portal) and not the
    administrator account (the matrix gives it no own attendance; docs/DECISIONS.md)."""
    return rbac.offers(user, "hr.self_service")


def _idle_timeout() -> timedelta:
    return timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS)


def _last_activity(session_key: str) -> tuple[bool, datetime | None]:
    """(whether the session still exists, its last activity) from the session store."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store(session_key)
    if not session.exists(session_key):
        return False, None
    last = session.load().get(LAST_ACTIVITY_KEY)
    return True, (datetime.fromtimestamp(last, tz=UTC) if last is not None else None)


def _close(interval: Attendance, *, at: datetime, how: str, request=None) -> Attendance:
    interval.time_out, interval.ended_by = max(at, interval.time_in), how
    interval.save(update_fields=["time_out", "ended_by"])
    audit.record(
        actor=interval.user,
        action="attendance.auto_out",
        obj=interval,
        after={"how": how, "at": interval.time_out.isoformat()},
        request=request,
    )
    return interval


def _close_if_forgotten(interval: Attendance, now: datetime) -> bool:
    """Close a sign-in interval whose session has been idle past the timeout: at its last
    activity + the timeout (its sign-in when it never made a request after), or now when the
    session was ended on the server (a deactivated login, an administrator's password reset)."""
    exists, last = _last_activity(interval.session_key)
    if not exists:
        _close(interval, at=now, how=Ended.SESSION_ENDED)
        return True
    expiry = max(last or interval.time_in, interval.time_in) + _idle_timeout()
    if expiry <= now:
        _close(interval, at=expiry, how=Ended.IDLE)
        return True
    return False


@transaction.atomic
def attendance_sign_in(
    *, user: User, session_key: str, request: HttpRequest | None = None
) -> Attendance | None:
    """Open an interval of presence for the session `user` just signed in with (the sign-in
    signal calls it). First closes that person's sign-in intervals whose sessions were never
    seen again (a tablet switched off) at their last activity + IDLE_TIMEOUT_SECONDS; intervals
    of sessions still in use (a second tablet) stay open.

    Returns the open interval, or None for a person without attendance (has_attendance) or a
    session without a key. The same session signing in twice keeps its one interval."""
    if not session_key or not has_attendance(user):
        return None
    now = timezone.now()
    for interval in (
        locked(Attendance.objects)
        .filter(user=user, time_out__isnull=True, started_by=Started.SIGN_IN)
        .exclude(session_key=session_key)
    ):
        _close_if_forgotten(interval, now)
    already = Attendance.objects.filter(session_key=session_key, time_out__isnull=True).first()
    if already is not None:
        return already
    try:
        with transaction.atomic():
            interval = Attendance.objects.create(
                user=user,
                date=timezone.localdate(now),
                time_in=now,
                started_by=Started.SIGN_IN,
                session_key=session_key,
            )
    except IntegrityError:  # the same session's signal twice at once: the first one counted
        return Attendance.objects.filter(session_key=session_key, time_out__isnull=True).first()
    audit.record(
        actor=user,
        action="attendance.auto_in",
        obj=interval,
        after={"how": Started.SIGN_IN},
        request=request,
    )
    return interval


@transaction.atomic
def attendance_sign_out(
    *,
    user: User,
    session_key: str,
    idle_since: datetime | None = None,
    request: HttpRequest | None = None,
) -> Attendance | None:
    """Close the interval of the session `user` signs out of: now, or for a sign-out for being
    idle at `idle_since`, the session's last activity (not the moment the idleness was noticed).
    Other sessions of the same person (another tablet) stay open.

    Returns the closed interval, or None when that session has none open."""
    if not session_key:
        return None
    interval = (
        locked(Attendance.objects)
        .filter(user=user, session_key=session_key, time_out__isnull=True)
        .first()
    )
    if interval is None:
        return None
    if idle_since is not None:
        return _close(interval, at=idle_since, how=Ended.IDLE, request=request)
    return _close(interval, at=timezone.now(), how=Ended.SIGN_OUT, request=request)


@transaction.atomic
def attendance_close_forgotten() -> int:
    """Close every sign-in interval whose session was never seen again (a tablet switched off,
    a browser closed without signing out) at its last activity + IDLE_TIMEOUT_SECONDS; run every
    five minutes (hr.tasks). Returns how many were closed."""
    now = timezone.now()
    open_intervals = (
        locked(Attendance.objects, skip_locked=True)
        .filter(
            time_out__isnull=True, started_by=Started.SIGN_IN, time_in__lte=now - _idle_timeout()
        )
        .select_related("user")
    )
    return sum(_close_if_forgotten(interval, now) for interval in open_intervals)
