"""Password sign-in against the user table, loading each signed-in request's user with what every
page shows of them (their department) in the same query."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class _UserWithDepartment:
    """`get_user` runs on every signed-in request: it joins the department instead of asking
    for it later (one query fewer on each dashboard: tests/bench/pages.py)."""

    def get_user(self, user_id: int) -> User | None:
        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class UserBackend(_UserWithDepartment, ModelBackend):
    """Django's ModelBackend: sign-in by username."""


class EmailOrUsernameBackend(_UserWithDepartment, AuthenticationBackend):
    """allauth's backend: sign-in by e-mail address as well."""
