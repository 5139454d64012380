"""Password sign-in against the user table, loading each signed-in request's user with what every
request asks of them (their department; whether they have a confirmed second-factor device) in the
same query."""

import functools

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_otp import device_classes, user_has_device

from accounts.models import User
from hms.prepared import Prepared


@functools.cache
def _has_confirmed_device() -> RawSQL:
    """EXISTS (a confirmed device of the user), for every kind of device django-otp knows.

    Written as SQL, not as `Exists(...)`: Django compiles a subquery again on every query, which
    cost about as much CPU (0.5-0.9 ms) as the separate query it replaces; this costs nothing to
    compile (tests/accounts/test_second_factor.py holds it to django-otp's own answer)."""
    user_table = User._meta.db_table
    # Table names from the models' own meta: nothing anyone types reaches this SQL.
    exists = [
        f'EXISTS (SELECT 1 FROM "{table}" WHERE "{table}"."user_id" = "{user_table}"."id" '  # noqa: S608
        f'AND "{table}"."confirmed")'
        for table in (device._meta.db_table for device in device_classes())
    ]
    return RawSQL(" OR ".join(exists), (), output_field=BooleanField())  # noqa: S611


# Compiled once (hms.prepared): building and compiling this query cost ~0.7 ms of CPU on every
# signed-in request, running it ~0.25 ms.
_SIGNED_IN_USER = Prepared(
    lambda pk: (
        User._default_manager.select_related("department")
        .annotate(has_confirmed_device=_has_confirmed_device())
        .filter(pk=pk)
    ),
    pk=-1,
)


class _UserWithDepartment:
    """`get_user` runs on every signed-in request: it joins the department instead of asking
    for it later (one query fewer on each dashboard: tests/bench/pages.py), and reads whether
    the user has a confirmed device (`has_confirmed_device`, every kind django-otp knows), which
    accounts.middleware.SecondFactorMiddleware asks of everyone not yet verified: one query
    fewer on every request of a user who signs in without a second factor."""

    def get_user(self, user_id: int) -> User | None:
        try:
            user = _SIGNED_IN_USER.one(pk=int(user_id))
        except (TypeError, ValueError):
            return None
        if user is None:
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
