"""The JSON API's rules (/api/v1/), the same as the screens': each API view declares the capability
of hms.rbac it needs, errors are RFC 9457 problem details, lists are cursor-paged.

An API view is a Django REST framework view with two class attributes:

    class MyAppointments(ListAPIView):
        capability = "appointments.view"      # hms.rbac.MATRIX key, SIGNED_IN or PUBLIC
        scopes = None                          # or a set of scopes, as capability_required takes

Object-level checks come from the apps' selectors (a patient's token reaches only their own
records) and every write goes through the apps' services, as in the views.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from hms import rbac
from hms.refusals import Refusal

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types (RFC 9457 §3.1.1): a URI naming the kind of problem; ours are relative to the API.
PROBLEM_TYPES = {
    400: "invalid-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


class HasCapability(BasePermission):
    """The view's `capability` (and `scopes`) from hms.rbac, asked as the screens ask it.

    A view without a capability is refused for everyone: a new endpoint cannot ship without a
    rule (the API matrix test walks them all). Anonymous callers get 401, roles without the
    capability 403 ("Your role may not …"), before the view runs."""

    message = "Your role may not do this."

    def has_permission(self, request, view) -> bool:
        capability = getattr(view, "capability", None)
        if capability is None:
            logger.error("API view %s declares no capability", type(view).__name__)
            return False
        if capability == rbac.PUBLIC:
            return True
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if not rbac.allows(request.user, capability, scopes=getattr(view, "scopes", None)):
            self.message = f"Your role may not use {capability}."
            return False
        return True


class CursorPage(CursorPagination):
    """Cursor paging (stable while rows are added): `next`/`previous` links and `results`. The
    views order by their own field (`ordering`); page size 50, `?page_size=` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"


class NumberedPage(PageNumberPagination):
    """Numbered pages with the count, for work lists whose order is a ranking (the lab's STAT
    first) rather than one column a cursor can follow: `count`, `next`, `previous`, `results`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TokenRateThrottle(ScopedRateThrottle):
    """The sign-in endpoints' own limit per client address (REST_FRAMEWORK's "token" rate):
    guessing passwords or codes through the API is as slow as through the sign-in page."""

    scope_attr = "throttle_scope"


def _title(status_code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {"field", "message"} (field "" for the whole
    request): what a mobile app shows beside each input."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else key)
            errors += _flatten(value, name)
        return errors
    if isinstance(detail, list):
        return [error for item in detail for error in _flatten(item, prefix)]
    return [{"field": prefix, "message": str(detail)}]


def _refusal_problem(refusal: Refusal, context: dict) -> Response:
    """A service's refusal (a rule of the hospital: the slot is taken, the stock is short): 409
    with the sentence the screens show, beside its field when it names one, and what the
    refusal offers instead (a taken slot's next free ones)."""
    request = context.get("request")
    body: dict[str, Any] = {
        "type": "/api/v1/problems/refused",
        "title": "Refused by a rule",
        "status": status.HTTP_409_CONFLICT,
        "detail": str(refusal),
        "errors": [{"field": refusal.field or "", "message": str(refusal)}],
    }
    if request is not None:
        body["instance"] = request.path
    offers = getattr(refusal, "next_free", None)
    if offers is not None:
        body["next_free"] = [
            {"starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat()}
            for slot in offers
        ]
    return Response(body, status=status.HTTP_409_CONFLICT, content_type=PROBLEM_CONTENT_TYPE)


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key header as the submission token of hms.submissions (a UUID):
    the same key sent again never acts twice, and answers the first result. Raises
    ValidationError for a key that is not a UUID."""
    import uuid

    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    try:
        return str(uuid.UUID(key))
    except ValueError as error:
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["Send a UUID (e.g. from uuidgen), new for each action."]}
        ) from error


def problem_details(exc: Exception, context: dict) -> Response | None:
    """REST framework's exception handler, answering RFC 9457 problem details:
    {"type", "title", "status", "detail", "instance"} plus "errors" (field → message) for an
    invalid request, as application/problem+json. Django's Http404 and PermissionDenied are
    converted as DRF converts them; anything else (a bug) is left to Django's 500 handling."""
    # Imported here: REST framework's views module imports the permission class above.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Refusal):
        return _refusal_problem(exc, context)
    if isinstance(exc, DjangoValidationError):  # a model's own check (full_clean in a service)
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{PROBLEM_TYPES.get(code, 'error')}",
        "title": _title(code),
        "status": code,
    }
    request = context.get("request")
    if request is not None:
        body["instance"] = request.path
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    if isinstance(detail, dict) and "detail" in detail:  # simplejwt's refusal of a token
        body["detail"] = str(detail["detail"])
    elif isinstance(detail, dict | list):
        body["detail"] = "The request has errors: see each field's message."
        body["errors"] = _flatten(detail)
    elif detail is not None:
        body["detail"] = str(detail)
    if code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        body["retry_after_seconds"] = int(exc.wait)
    response.data = body
    # Labelled as problem details where the body is JSON (not the schema's YAML, say).
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is not None and renderer.format == "json":
        response.content_type = PROBLEM_CONTENT_TYPE
    return response


def is_api_view(callback) -> bool:
    """Whether a URL pattern's view is one of the API's (a REST framework view): the screens'
    walks (the screens page, the permission matrix of pages) leave these to the API's own."""
    from rest_framework.views import APIView

    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


# What a response's ids open next, as OpenAPI links: operationId -> (status, [(link name, target
# operationId, {parameter: runtime expression}, request body or None)]). The operationIds are
# drf-spectacular's (path-derived); a link to a missing operation fails schema_links.
FIRST = "$response.body#/results/0/id"
SchemaLink = tuple[str, str, dict[str, str], dict | None]


def _first_row(name: str, target: str) -> SchemaLink:
    """A link from a paged list to `target`, given the id of the list's first row."""
    return (name, target, {"id": FIRST}, None)


SCHEMA_LINKS: dict[str, tuple[str, list[SchemaLink]]] = {
    "me_appointments_book_create": (
        "201",
        [
            ("Reschedule", "me_appointments_reschedule_create", {"id": "$response.body#/id"}, None),
            ("Cancel", "me_appointments_cancel_create", {"id": "$response.body#/id"}, None),
        ],
    ),
    "me_appointments_list": (
        "200",
        [
            _first_row("Reschedule", "me_appointments_reschedule_create"),
            _first_row("Cancel", "me_appointments_cancel_create"),
        ],
    ),
    "doctors_list": (
        "200",
        [("Slots", "doctors_slots_list", {"id": "$response.body#/0/id"}, None)],
    ),
    "doctors_slots_list": (
        "200",
        [
            (
                "Book",
                "me_appointments_book_create",
                {},
                {"doctor": "$request.path.id", "starts_at": "$response.body#/0/starts_at"},
            )
        ],
    ),
    "patients_create": (
        "201",
        [("RecordVitals", "patients_vitals_create", {"id": "$response.body#/id"}, None)],
    ),
    "chat_threads_list": (
        "200",
        [
            _first_row("Messages", "chat_threads_messages_list"),
            _first_row("Send", "chat_threads_messages_create"),
        ],
    ),
    "me_notifications_list": (
        "200",
        [_first_row("Read", "me_notifications_read_create")],
    ),
    "me_invoices_list": ("200", [_first_row("Pdf", "invoices_pdf_retrieve")]),
    "me_results_list": ("200", [_first_row("Report", "results_report_retrieve")]),
    "lab_worklist_list": ("200", [_first_row("Advance", "lab_orders_advance_create")]),
}


def schema_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: SCHEMA_LINKS added to the responses they start from.

    Raises ValueError when a link names an operation the schema does not have (so a renamed
    view cannot leave a dead link)."""
    operations = {
        operation["operationId"]: operation
        for path in result.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for source, (status_code, links) in SCHEMA_LINKS.items():
        if source not in operations:
            raise ValueError(f"OpenAPI link from unknown operation {source}")
        response = operations[source]["responses"].setdefault(status_code, {"description": ""})
        for name, target, parameters, body in links:
            if target not in operations:
                raise ValueError(f"OpenAPI link {source} -> unknown operation {target}")
            link: dict = {"operationId": target}
            if parameters:
                link["parameters"] = parameters
            if body is not None:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link
    return result
