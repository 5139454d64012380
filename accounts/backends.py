"""Password sign-in against the user table, loading each signed-in request's user with what every
request asks of them (their department; whether they have a confirmed second-factor device) in the
same query."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django_otp import device_classes, user_has_device

from accounts.models import User


class _UserWithDepartment:
    """`get_user` runs on every signed-in request: it joins the department instead of asking
    for it later (one query fewer on each dashboard: tests/bench/pages.py), and reads whether
    the user has a confirmed device (`has_confirmed_device`, every kind django-otp knows), which
    accounts.middleware.SecondFactorMiddleware asks of everyone not yet verified: one query
    fewer on every request of a user who signs in without a second factor."""

    def get_user(self, user_id: int) -> User | None:
        devices = [
            Exists(device.objects.filter(user=OuterRef("pk"), confirmed=True))
            for device in device_classes()
        ]
        has_device = devices[0]
        for other in devices[1:]:
            has_device |= other
        try:
            user = (
                User._default_manager.select_related("department")
                .annotate(has_confirmed_device=has_device)
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def has_confirmed_device(user: User) -> bool:
    """Whether `user` has a confirmed second-factor device: read with the user when they came
    from `get_user` (every signed-in request, and the websockets'), asked of the database
    otherwise."""
    known = getattr(user, "has_confirmed_device", None)
    return user_has_device(user, confirmed=True) if known is None else known


class UserBackend(_UserWithDepartment, ModelBackend):
    """Django's ModelBackend: sign-in by username."""


class EmailOrUsernameBackend(_UserWithDepartment, AuthenticationBackend):
    """allauth's backend: sign-in by e-mail address as well."""
