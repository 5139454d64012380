"""Audit of sign-ins, failed sign-ins and sign-outs (Django's auth signals, sent by allauth too)."""

from allauth.account.signals import password_changed, password_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from hms import audit, realtime
from hms.middleware import ENDED_SESSION_ATTR


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    audit.record(actor=user, action="auth.login", obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    attempted = credentials.get("username") or credentials.get("email") or ""
    audit.record(
        actor=None,
        actor_username=str(attempted),
        action="auth.login_failed",
        after={"login": str(attempted)[:150]},
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "logout_reason", "user") if request is not None else "user"
    audit.record(
        actor=user, action="auth.logout", obj=user, after={"reason": reason}, request=request
    )
    # Close this session's open sockets (other sessions of the same user stay up), once
    # logout() has flushed the session: hms.middleware.IdleLogoutMiddleware does it then.
    if request is None:
        realtime.end_sessions(user.pk)
        return
    setattr(request, ENDED_SESSION_ATTR, (user.pk, request.session.session_key))


@receiver(password_changed, dispatch_uid="audit_password_changed")
@receiver(password_reset, dispatch_uid="audit_password_reset")
def clear_one_time_password(sender, request, user, **kwargs) -> None:
    """Once the user has chosen their own password, the one-time password rule is done."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=user, action="auth.password_changed", obj=user, request=request)
