"""Cross-cutting request handling: idle logoff, headers for pages that show patient data, and
the refusal of text no database column can store (NUL bytes)."""

import time

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.functional import LazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from hms import audit, logs, realtime, submissions
from hms.models import SubmissionReceipt
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
# Why the session ended, shown by the sign-in page on every showing until someone signs in
# (accounts.adapter removes it). Not a one-time message: the page that timed out may load the
# sign-in page twice (its own reload and its socket's), and the first showing would take a
# one-time message away from the one the person sees (CI, stop 34).
SIGNED_OUT_NOTICE_KEY = "hms_signed_out_notice"


REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give each request an id: nginx's X-Request-ID when it is well-formed, else a new one. Every
    log line of the request carries it (hms.logs), and the response returns it in X-Request-ID,
    so a person reporting a failed page can quote the id that finds its lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = logs.bind_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            logs.unbind_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ResolvedUserMiddleware:
    """`request.user` becomes the user itself instead of two lazy proxies (Django's, then
    django-otp's around it). Templates, the navigation and hms.rbac read it a few hundred times a
    page, and each read through the proxies costs (tests/bench/pages.py: about 1 ms of a
    dashboard's 8). Every page after this one reads the user anyway (idle logoff, the second
    factor), so loading it here costs nothing more."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        request.user = user
        return self.get_response(request)


# Set by accounts.receivers on sign-out: (user id, session key) whose sockets are to close.
ENDED_SESSION_ATTR = "hms_ended_session"


class IdleLogoutMiddleware:
    """Sign a user out after IDLE_TIMEOUT_SECONDS without a request they made themselves; and
    close a signed-out session's sockets only once the session is gone from its store.

    Django sends `user_logged_out` before it flushes the session. Closing the tab's socket from
    the signal let the page reload itself in that gap, and the reload still found the session:
    the person who had pressed "Sign out" saw their dashboard again (CI, stop 25)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._respond(request)
        ended = getattr(request, ENDED_SESSION_ATTR, None)
        if ended is not None:
            realtime.end_sessions(*ended)
        return response

    def _respond(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                user_id = request.user.pk
                request.logout_reason = "idle"
                logout(request)
                request.session[NEXT_OWNER_KEY] = user_id
                minutes = max(1, settings.IDLE_TIMEOUT_SECONDS // 60)
                request.session[SIGNED_OUT_NOTICE_KEY] = (
                    f"You were signed out after {minutes} minute{'s' if minutes > 1 else ''}"
                    " without activity. Sign in again to carry on where you were."
                )
                return login_redirect(request)
            # (A limit shorter than a couple of minutes, as in a browser test, gets a finer clock.)
            resolution = min(ACTIVITY_RESOLUTION_SECONDS, settings.IDLE_TIMEOUT_SECONDS // 8)
            if not is_background(request) and (last is None or now - last >= resolution):
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


def _has_nul(query_dict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in query_dict.lists()
    )


class RefuseNulBytesMiddleware:
    """Any query parameter or posted field holding a NUL byte is refused here, for every screen
    at once: PostgreSQL cannot store one (SQLite would, silently), and nobody types one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            carries_nul = _has_nul(request.GET) or (
                request.method == "POST" and _has_nul(request.POST)
            )
        except Exception:  # a body Django cannot parse is Django's own 400, answered later
            carries_nul = False
        if carries_nul or "\x00" in request.path:
            return render(request, "400.html", status=400)
        return self.get_response(request)


# A refused request leaves a trace: who asked, for what, when and from where. A crawler cannot
# flood the log: past DENIED_AUDIT_LIMIT refusals of one user in a window, one more row says the
# rest were not written one by one (the window's count is kept in the cache).
DENIED_AUDIT_LIMIT = 30
DENIED_AUDIT_WINDOW_SECONDS = 10 * 60


class DeniedAccessAuditMiddleware:
    """Audit `access.denied` for signed-in users refused by a capability check (403) or by an
    object-level check that answers "not found" rather than say the record exists (404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PermissionDenied | Http404):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        window = int(time.time()) // DENIED_AUDIT_WINDOW_SECONDS
        key = f"hms:denied-audit:{user.pk}:{window}"
        cache.add(key, 0, timeout=DENIED_AUDIT_WINDOW_SECONDS)
        try:
            # None: the cache is down (its errors are ignored); count this one as the first.
            count = cache.incr(key) or 1
        except ValueError:  # the key expired between add and incr
            count = 1
        if count > DENIED_AUDIT_LIMIT + 1:
            return None
        match = request.resolver_match
        asked = {
            "method": request.method,
            "path": request.get_full_path()[:300],
            "view": match.view_name if match else "",
            "status": 403 if isinstance(exception, PermissionDenied) else 404,
        }
        if count == DENIED_AUDIT_LIMIT + 1:
            action = "access.denied_throttled"
            asked["note"] = (
                f"More than {DENIED_AUDIT_LIMIT} refusals in "
                f"{DENIED_AUDIT_WINDOW_SECONDS // 60} minutes: the rest of this window's are "
                "not written one by one."
            )
        else:
            action = "access.denied"
        audit.record(actor=user, action=action, after=asked, request=request)
        return None


def _local_landing(request, response) -> str:
    """The path on this site a response sends the browser to (a redirect's Location, htmx's
    HX-Redirect), or "" for a response that is a page of its own or goes elsewhere."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = response.get("Location", "")
    else:
        target = response.get("HX-Redirect", "")
    fits = SubmissionReceipt._meta.get_field("result_path").max_length
    if not target or len(target) > fits:
        return ""
    local = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if local else ""


class DuplicateSubmissionMiddleware:
    """A form that arrives a second time is answered with the first result: where the first
    answer went (a leave request: "My leave", listing it), else the result's page when it has
    one, else the page the form was on, with a note.

    Checked before the view runs (a used token: the form is not validated again against a world
    the first submission changed, a bed now taken, a patient now registered), and again by the
    service inside its transaction (hms.submissions.AlreadySubmitted), which settles two copies
    arriving at the same moment. Views that know better catch the exception themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "hms_claimed_submission", None)
        if token is not None and (landing := _local_landing(request, response)):
            SubmissionReceipt.objects.filter(token=token).update(result_path=landing)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        token = submissions.token_from(request)
        if token is None or not request.user.is_authenticated:
            return None
        receipt = SubmissionReceipt.objects.filter(token=token).first()
        if receipt is None:
            return None
        return self._first_result(request, submissions.AlreadySubmitted(receipt))

    def process_exception(self, request, exception):
        if not isinstance(exception, submissions.AlreadySubmitted):
            return None
        return self._first_result(request, exception)

    def _first_result(self, request, repeat: submissions.AlreadySubmitted):
        target = repeat.receipt.result_path
        if not target:
            result = repeat.result
            target = getattr(result, "get_absolute_url", lambda: "")() if result is not None else ""
        if not target:
            referer = request.headers.get("Referer", "")
            safe = url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            target = referer if safe and referer else resolve_url("dashboard")
        messages.info(request, "That form arrived twice; it was done once. Here is the result.")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)


# What a view's django-csp decorators (csp_update, csp_replace, csp, csp_exempt) set on its
# response: a response carrying any of them gets django-csp's own work.
_OWN_POLICY_ATTRS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_NONCE_MARK = "hms-csp-nonce-mark"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header of a response that sets no policy of its own
    written from one built once per process: django-csp built it afresh for every response,
    twice (the policy and the report-only one), through dataclass copies, about 330 Python calls
    of every page (tests/bench/pages.py). The nonce, new per request, goes into the kept text.

    The header is django-csp's own, character for character (tests/hms/test_csp_header.py); a
    response with its own policy (a view's csp_* decorator), report-only or excluded prefixes in
    the settings, and DEBUG get django-csp's own work, as before."""

    _headers: dict[bool, tuple[str, ...]] = {}

    def process_response(self, request, response):
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
                "EXCLUDE_URL_PREFIXES"
            )
            or any(name in response.__dict__ for name in _OWN_POLICY_ATTRS)
        ):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        if CSP_HEADER not in response:
            parts = self._headers.get(nonce is not None)
            if parts is None:
                parts = self._headers[nonce is not None] = tuple(
                    build_policy(nonce=_NONCE_MARK if nonce is not None else None).split(
                        _NONCE_MARK
                    )
                )
            if parts != ("",):
                response[CSP_HEADER] = nonce.join(parts) if nonce is not None else parts[0]
        if nonce is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@receiver(setting_changed)
def _forget_csp_headers(*, setting, **kwargs) -> None:
    """A test's override of the policy is the policy (the kept headers are built again)."""
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        ContentSecurityPolicyMiddleware._headers.clear()
