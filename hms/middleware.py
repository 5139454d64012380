"""Cross-cutting request handling: idle logoff, and headers for pages that show patient data."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

from hms.rbac import login_redirect

LAST_ACTIVITY_KEY = "hms_last_activity"
# Requests a page makes by itself (polls, live-refresh fetches) send this header; they must not
# keep an unattended session alive.
BACKGROUND_HEADER = "X-HMS-Background"
# Writing the session on every click costs a database write; a coarse clock is enough.
ACTIVITY_RESOLUTION_SECONDS = 15


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


# Who the `next` of the sign-in page belongs to, after a sign-out the person did not choose: the
# id of the user signed out for being idle, or 0 when a session ended on the server (deactivated,
# password reset by an administrator, expired). accounts.adapter honours `next` only for that
# same user, so the next person on a shared tablet lands on their own dashboard, not on the last
# user's patient.
NEXT_OWNER_KEY = "hms_next_owner"
UNKNOWN_OWNER = 0


class IdleLogoutMiddleware:
    """Sign a user out after IDLE_TIMEOUT_SECONDS without a request they made themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                user_id = request.user.pk
                request.logout_reason = "idle"
                logout(request)
                request.session[NEXT_OWNER_KEY] = user_id
                minutes = max(1, settings.IDLE_TIMEOUT_SECONDS // 60)
                messages.info(
                    request, f"You were signed out after {minutes} minutes without activity."
                )
                return login_redirect(request)
            if not is_background(request) and (
                last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS
            ):
                request.session[LAST_ACTIVITY_KEY] = now
        elif (
            request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and request.session.session_key is None
            and NEXT_OWNER_KEY not in request.session
        ):
            # The browser still holds a session the server has ended: whoever signs in next
            # may not be the person it belonged to.
            request.session[NEXT_OWNER_KEY] = UNKNOWN_OWNER
        return self.get_response(request)


class PrivatePageHeadersMiddleware:
    """No signed-in page is kept by a browser or proxy cache; htmx variants are kept apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        if request.user.is_authenticated or request.path.startswith("/accounts/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
