"""Business actions on users: create, edit, change role, deactivate, second-factor enrolment.

Each is one transaction with its audit row; callers (views, seed_demo) never save a User directly.
"""

import math
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals, tasks
from accounts.models import Department, User
from hms import audit, realtime
from hms.locking import locked
from hms.refusals import Refusal

AUDITED_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "role",
    "department",
    "is_active",
]


class AccountError(Refusal):
    """A user action that cannot be done, with the message a person should read."""


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    department: Department | None = None,
    must_change_password: bool = True,
    request: HttpRequest | None = None,
) -> User:
    """Create a staff login with `role`, audited.

    Raises django's ValidationError when the username is taken or a field is invalid (full_clean).
    """
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        department=department,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        actor=actor,
        action="user.create",
        obj=user,
        after=audit.snapshot(user, AUDITED_FIELDS),
        request=request,
        actor_username="" if actor else "system",
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, request: HttpRequest | None = None, **changes: object
) -> User:
    """Edit a user's details or role. A role change is audited as its own action.

    Raises AccountError when the actor changes their own role or deactivates their own account;
    ValueError when asked to change a field it does not manage.
    """
    unknown = set(changes) - set(AUDITED_FIELDS) - {"must_change_password"}
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}")
    user = locked(User.objects).get(pk=user.pk)
    if user.pk == actor.pk and changes.get("role", user.role) != user.role:
        raise AccountError("You cannot change your own role; ask another administrator.")
    if user.pk == actor.pk and changes.get("is_active") is False:
        raise AccountError("You cannot deactivate your own account.")
    before = audit.snapshot(user, AUDITED_FIELDS)
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    after = audit.snapshot(user, AUDITED_FIELDS)
    if before == after:
        return user
    action = "user.role_change" if before["role"] != after["role"] else "user.update"
    audit.record(actor=actor, action=action, obj=user, before=before, after=after, request=request)
    if before["role"] != after["role"]:
        # Second factor requirements and what the user may see both follow the role: make them
        # sign in again under it.
        _end_sessions(user)
    return user


@transaction.atomic
def user_set_active(
    *, actor: User, user: User, active: bool, request: HttpRequest | None = None
) -> User:
    """Activate or deactivate `user` (a deactivated user's sessions end), audited.

    Raises AccountError when the actor deactivates their own account (user_update's check).
    """
    user = user_update(actor=actor, user=user, is_active=active, request=request)
    if not active:
        _end_sessions(user)
    return user


@transaction.atomic
def user_set_password(
    *, actor: User, user: User, password: str, request: HttpRequest | None = None
) -> User:
    """An administrator hands out a one-time password; the user must change it at next login.

    Raises AccountError when the password fails the password validators.
    """
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from error
    user = locked(User.objects).get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, action="user.password_reset_by_admin", obj=user, request=request)
    _end_sessions(user)
    return user


def _end_sessions(user: User) -> None:
    """Sign the user out everywhere (sessions hold the user's id in their encoded data)."""
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(session.session_key).delete()  # and its cached copy (cached_db, production)
    realtime.end_sessions(user.pk)


# --- second factor (TOTP) ----------------------------------------------------------------------

SECOND_FACTOR_MOVED = (
    "Your two-step sign-in was moved to a new authenticator app. "
    "If this was not you, tell the administrator at once."
)


def _tell_user(user: User, text: str) -> None:
    """A security change the person must hear about: their bell (messaging listens to the
    signal) and, when they have an address, an e-mail sent in the background."""
    signals.security_event.send(sender=User, user=user, text=text)
    if user.email:
        tasks.send_in_background(
            EmailMessage(
                subject=f"{settings.HOSPITAL_NAME}: two-step sign-in changed",
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )


def totp_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, reused until confirmed).

    Raises no domain error.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_confirm(
    *,
    user: User,
    device: TOTPDevice,
    token: str,
    password: str | None = None,
    verified: bool = False,
    request: HttpRequest | None = None,
) -> TOTPDevice:
    """Confirm enrolment with a code from the app.

    A first device needs only the code. Replacing a confirmed device (a new phone) needs a
    session that already passed the second factor (`verified`) and the account's password again:
    otherwise a stolen password alone could swap the authenticator. A replacement is audited as
    `auth.otp_replaced` and the user is told by notification and e-mail.

    Raises AccountError when the code does not match, the password is wrong, or the session is
    not verified while a confirmed device exists.
    """
    replacing = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).exists()
    if replacing and not verified:
        raise AccountError("Enter the code from your current authenticator app first.")
    if replacing and not _password_is(user, password, request):
        audit.record(actor=user, action="auth.otp_replace_refused", obj=user, request=request)
        raise AccountError("That password is not right. Enter your password to move the app.")
    with transaction.atomic():
        device = locked(TOTPDevice.objects).get(pk=device.pk, user=user)
        matched = device.verify_token(_digits(token))
        if matched:
            TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            action = "auth.otp_replaced" if replacing else "auth.otp_enrolled"
            audit.record(actor=user, action=action, obj=user, request=request)
            if replacing:
                transaction.on_commit(lambda: _tell_user(user, SECOND_FACTOR_MOVED))
        else:
            audit.record(actor=user, action="auth.otp_enrol_failed", obj=user, request=request)
    if not matched:
        raise AccountError(
            "That code did not match. Check the phone's clock and try the next code."
        )
    return device


# A mistyped code costs nothing the first few times; from then on each wrong code doubles the wait
# (15 s, 30 s, 1 min, … at most 15 min). django-otp's own throttle (1 s after the first mistake)
# is off (OTP_TOTP_THROTTLE_FACTOR = 0): it refused the right code typed straight after a typo.
FREE_WRONG_CODES = 3
FIRST_WAIT_SECONDS = 15
LONGEST_WAIT_SECONDS = 15 * 60


def totp_wait_seconds(device: TOTPDevice, *, now: datetime | None = None) -> int:
    """Whole seconds the user must wait before the next code is checked (0: check it now).

    Raises no domain error.
    """
    failures = device.throttling_failure_count
    if failures < FREE_WRONG_CODES or device.throttling_failure_timestamp is None:
        return 0
    required = min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_WRONG_CODES), LONGEST_WAIT_SECONDS)
    elapsed = ((now or timezone.now()) - device.throttling_failure_timestamp).total_seconds()
    return max(0, math.ceil(required - elapsed))


def duration_words(seconds: int) -> str:
    """'1 second', '45 seconds', '1 minute', '3 minutes' (minutes rounded up past one minute).

    Raises no domain error.
    """
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def totp_check(*, user: User, token: str, request: HttpRequest | None = None) -> TOTPDevice:
    """Check a sign-in code against the user's confirmed device.

    Raises AccountError when there is no device, when too many wrong codes came in a row (the
    message says how long to wait), or when the code does not match. The failed attempt (counter
    and audit row) is committed before the error is raised.
    """
    with transaction.atomic():
        device = locked(TOTPDevice.objects).filter(user=user, confirmed=True).first()
        if device is None:
            raise AccountError("No authenticator app is set up for this account.")
        wait = totp_wait_seconds(device)
        if wait:
            raise AccountError(
                f"Too many wrong codes in a row. Try again in {duration_words(wait)}."
            )
        matched = device.verify_token(_digits(token))
        if not matched:
            audit.record(actor=user, action="auth.otp_failed", obj=user, request=request)
    if not matched:
        raise AccountError("That code did not match. Enter the 6-digit code shown in the app now.")
    return device


def password_check(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Whether `password` is the password of the account `username` names, for a check made
    outside the sign-in page (a second person's confirmation, the API's sign-in).

    It counts against the sign-in page's own limit for that account (allauth's adapter, keyed by
    accounts.adapter: ACCOUNT_RATE_LIMITS["login_failed"], 5 wrong a 5 minutes per account and
    100 a minute per address), so no other form is a faster way to guess a password. A wrong
    password is audited as a failed sign-in (Django's signal). Returns the active user, or None
    when the name or password is wrong. Raises AccountError (field "password") when the account's
    wrong guesses are used up: no check is made then.
    """
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).authenticate(request, username=username, password=password)
    except ValidationError as limit:
        raise AccountError(
            "Too many wrong passwords for this account: wait a few minutes, then try again.",
            field="password",
        ) from limit


def _password_is(user: User, password: str, request: HttpRequest | None) -> bool:
    """Whether `password` is `user`'s own, counted against their sign-in limit when there is a
    request (AccountError when it is used up)."""
    if not password:
        return False
    if request is None:
        return user.check_password(password)
    return password_check(request=request, username=user.username, password=password) == user


def second_person_check(
    *, request: HttpRequest, username: str, password: str, code: str = ""
) -> User:
    """A second person's confirmation on someone else's screen: their username, password and,
    when their account has an authenticator app (or their role must have one), its current code,
    as their own sign-in would ask (settings.OTP_REQUIRED_ROLES).

    The password counts against the account's sign-in limit (`password_check`) and the code
    against the device's wrong-code limit (`totp_check`). Returns the person. Raises AccountError
    with `field` "password" or "code" naming what to correct.
    """
    person = password_check(request=request, username=username, password=password)
    if person is None:
        raise AccountError(
            "That username and password do not match: the second person types their own.",
            field="password",
        )
    has_device = TOTPDevice.objects.filter(user=person, confirmed=True).exists()
    if not has_device and person.second_factor_required:
        raise AccountError(
            f"{person.get_full_name() or person.username} has no authenticator app set up yet:"
            " they sign in once to set it up, or another person confirms.",
            field="code",
        )
    if has_device:
        if not _digits(code):
            raise AccountError(
                "The second person also types the 6-digit code from their authenticator app.",
                field="code",
            )
        try:
            totp_check(user=person, token=code, request=request)
        except AccountError as wrong:
            raise AccountError(str(wrong), field="code") from wrong
    return person


def _digits(token: str) -> str:
    return "".join(ch for ch in token if not ch.isspace())


@transaction.atomic
def totp_remove(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove a user's authenticator (lost phone). Required roles will enrol again at login.

    Raises no domain error (removing no device is a no-op).
    """
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(actor=actor, action="auth.otp_removed", obj=user, request=request)
    if actor.pk != user.pk:
        _end_sessions(user)
