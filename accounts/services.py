"""Business actions on users: create, edit, change role, deactivate, second-factor enrolment.

Each is one transaction with its audit row; callers (views, seed_demo) never save a User directly.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Department, User
from hms import audit, realtime

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


class AccountError(Exception):
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
def user_update(*, actor: User, user: User, request: HttpRequest | None = None, **changes) -> User:
    """Edit a user's details or role. A role change is audited as its own action."""
    unknown = set(changes) - set(AUDITED_FIELDS) - {"must_change_password"}
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
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
    user = user_update(actor=actor, user=user, is_active=active, request=request)
    if not active:
        _end_sessions(user)
    return user


@transaction.atomic
def user_set_password(
    *, actor: User, user: User, password: str, request: HttpRequest | None = None
) -> User:
    """An administrator hands out a one-time password; the user must change it at next login."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from error
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, action="user.password_reset_by_admin", obj=user, request=request)
    _end_sessions(user)
    return user


def _end_sessions(user: User) -> None:
    """Sign the user out everywhere (sessions hold the user's id in their encoded data)."""
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    realtime.end_sessions(user.pk)


# --- second factor (TOTP) ----------------------------------------------------------------------


def totp_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_confirm(
    *, user: User, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> TOTPDevice:
    """Confirm enrolment with a code from the app; replaces any earlier confirmed device."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        matched = device.verify_token(_digits(token))
        if matched:
            TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(actor=user, action="auth.otp_enrolled", obj=user, request=request)
        else:
            audit.record(actor=user, action="auth.otp_enrol_failed", obj=user, request=request)
    if not matched:
        raise AccountError(
            "That code did not match. Check the phone's clock and try the next code."
        )
    return device


def totp_check(*, user: User, token: str, request: HttpRequest | None = None) -> TOTPDevice:
    """Check a sign-in code against the user's confirmed device (throttled by django-otp).

    The failed attempt (throttle counter and audit row) is committed before the error is raised.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise AccountError("No authenticator app is set up for this account.")
        allowed, details = device.verify_is_allowed()
        if not allowed:
            wait = (details or {}).get("locked_until")
            seconds = max(1, int((wait - timezone.now()).total_seconds()) + 1) if wait else 60
            raise AccountError(f"Too many wrong codes. Wait {seconds} seconds, then try again.")
        matched = device.verify_token(_digits(token))
        if not matched:
            audit.record(actor=user, action="auth.otp_failed", obj=user, request=request)
    if not matched:
        raise AccountError("That code did not match. Enter the 6-digit code shown in the app now.")
    return device


def _digits(token: str) -> str:
    return "".join(ch for ch in token if not ch.isspace())


@transaction.atomic
def totp_remove(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove a user's authenticator (lost phone). Required roles will enrol again at login."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(actor=actor, action="auth.otp_removed", obj=user, request=request)
    if actor.pk != user.pk:
        _end_sessions(user)
