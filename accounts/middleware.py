"""After the password: the second factor, then a forced password change, before any other page."""

from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import has_confirmed_device
from hms.prepared import Prepared
from hms.rbac import PUBLIC

# Pages a signed-in user can reach before finishing the second factor.
SECOND_FACTOR_PAGES = {"account_logout", "otp_verify", "otp_setup"}
PASSWORD_CHANGE_PAGES = SECOND_FACTOR_PAGES | {"account_change_password"}


# The device that verified the session, read on every request of a user past the second factor
# (the administrator's, the accountant's): compiled once (hms.prepared).
_TOTP_DEVICE = Prepared(lambda pk: TOTPDevice.objects.filter(pk=pk), pk=-1)


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware (user.otp_device, user.is_verified()), reading the session's
    TOTP device, the only kind HMS enrols, by a prepared query; any other kind as django-otp
    does. A device gone, of another user or not confirmed leaves the user unverified, as
    django-otp's own `_finalize_device` decides."""

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        label, _, device_id = persistent_id.rpartition("/")
        if label != TOTPDevice._meta.label_lower:
            return super()._device_from_persistent_id(persistent_id)
        try:
            return _TOTP_DEVICE.one(pk=int(device_id))
        except ValueError:  # a session holding no number there (django-otp: no device)
            return None


def _redirect(request, url_name: str):
    target = resolve_url(url_name)
    next_path = request.htmx.current_url_abs_path if request.htmx else request.get_full_path()
    if next_path and not next_path.startswith("/accounts/"):
        target = f"{target}?{urlencode({REDIRECT_FIELD_NAME: next_path})}"
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "capability", None) == PUBLIC:
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name in SECOND_FACTOR_PAGES:
            return None
        if not user.is_verified():
            if has_confirmed_device(user):
                return _redirect(request, "otp_verify")
            if user.second_factor_required:
                return _redirect(request, "otp_setup")
        if user.must_change_password and url_name not in PASSWORD_CHANGE_PAGES:
            return _redirect(request, "account_change_password")
        return None
