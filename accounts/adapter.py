"""allauth adapter: the hospital creates accounts; nobody signs themselves up.

Two more of the hospital's rules live here because allauth asks the adapter:
- failed sign-ins are counted per account, whatever was typed to name it (username in any case,
  or the e-mail address), so each spelling does not buy five more guesses;
- after a sign-out the person did not choose, `next` serves only that same person;
- mail leaves through the background queue, so a password-reset request answers in the same
  time whether or not the address has an account.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.db.models import Q
from django.http import HttpRequest

from accounts import tasks
from accounts.models import User
from hms.middleware import NEXT_OWNER_KEY, SIGNED_OUT_NOTICE_KEY


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """The key allauth counts failed sign-ins under (ACCOUNT_RATE_LIMITS["login_failed"]).

        One key per account: `pharmacist`, `PHARMACIST` and `pharmacist@hospital` share it. A
        name that matches no account keeps its own key (typed names are not accounts).
        """
        login = str(credentials.get("email") or credentials.get("username") or "").strip()
        account_id = (
            User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
            if login
            else None
        )
        if account_id is not None:
            return f"account:{account_id}"
        return f"login:{login.lower()}"

    def post_login(self, request: HttpRequest, user, **kwargs):
        """Honour the sign-in page's `next` only for the person it was left for: after an idle or
        forced sign-out, someone else on the same tablet lands on their own dashboard."""
        owner = request.session.pop(NEXT_OWNER_KEY, None)
        request.session.pop(SIGNED_OUT_NOTICE_KEY, None)
        if owner is not None and owner != user.pk:
            kwargs["redirect_url"] = self.get_login_redirect_url(request)
        return super().post_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        tasks.send_in_background(message)
