"""The Content-Security-Policy header written by hms.middleware.ContentSecurityPolicyMiddleware
from a policy built once per process is django-csp's own, character for character: for a page,
a page that used the nonce, a view with its own policy (the invoice PDF's frame-ancestors), and
with the settings changed (another policy, a nonce in the scripts, report-only)."""

import pytest
from csp.constants import NONCE
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from hms.middleware import ContentSecurityPolicyMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def _headers(middleware_class, *, use_nonce: bool, response_attrs: dict | None = None) -> dict:
    request = RequestFactory().get("/patients/")
    middleware = middleware_class(lambda request: HttpResponse("ok"))
    middleware.process_request(request)
    nonce = str(request.csp_nonce) if use_nonce else None
    response = HttpResponse("ok")
    for name, value in (response_attrs or {}).items():
        setattr(response, name, value)
    middleware.process_response(request, response)
    headers = {name: response.get(name) for name in HEADERS}
    return {"headers": headers, "nonce": nonce}


def _same_as_django_csp(**kwargs) -> dict:
    ours = _headers(ContentSecurityPolicyMiddleware, **kwargs)
    theirs = _headers(CSPMiddleware, **kwargs)
    if ours["nonce"]:  # each request its own nonce: theirs written with ours to compare
        theirs["headers"] = {
            name: value.replace(theirs["nonce"], ours["nonce"]) if value else value
            for name, value in theirs["headers"].items()
        }
    assert ours["headers"] == theirs["headers"]
    return ours


@pytest.mark.parametrize("use_nonce", [False, True])
def test_the_hospitals_policy_is_django_csps(use_nonce):
    ours = _same_as_django_csp(use_nonce=use_nonce)
    assert "frame-ancestors 'none'" in ours["headers"]["Content-Security-Policy"]


def test_a_views_own_policy_is_django_csps():
    ours = _same_as_django_csp(
        use_nonce=False, response_attrs={"_csp_replace": {"frame-ancestors": ["'self'"]}}
    )
    assert "frame-ancestors 'self'" in ours["headers"]["Content-Security-Policy"]


def test_an_exempt_response_has_no_header():
    ours = _same_as_django_csp(use_nonce=False, response_attrs={"_csp_exempt": True})
    assert ours["headers"]["Content-Security-Policy"] is None


@pytest.mark.parametrize("use_nonce", [False, True])
def test_a_changed_policy_is_the_new_policy(settings, use_nonce):
    _same_as_django_csp(use_nonce=use_nonce)  # the hospital's kept first
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}
    }
    ours = _same_as_django_csp(use_nonce=use_nonce)
    header = ours["headers"]["Content-Security-Policy"]
    assert "frame-ancestors" not in header
    assert ("'nonce-" in header) is use_nonce


def test_a_report_only_policy_is_django_csps(settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    ours = _same_as_django_csp(use_nonce=False)
    assert "img-src 'self'" in ours["headers"]["Content-Security-Policy-Report-Only"]
