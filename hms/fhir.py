"""The FHIR R4 interface's rules (/fhir/): JSON as application/fhir+json, errors as OperationOutcome,
searches answered as paged searchset Bundles with a total; the permissions are the JSON API's.

A FHIR view is a REST framework view (hms.api.HasCapability checks its `capability`/`scopes`) built
on FhirView; each app's `fhir.py` turns its records into resources (plain dicts) and its
`fhir_urls.py` routes them. A search gives `search_page` its record sources as Segments (a
queryset, its count, and the function that turns a page of rows into resources): each page costs
the same few queries however many rows there are.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hms.refusals import Refusal

FHIR_CONTENT_TYPE = "application/fhir+json"
FHIR_VERSION = "4.0.1"
DEFAULT_COUNT = 50
MAX_COUNT = 200
# Identifier systems of this hospital's own numbers (FHIR wants a URI; these name, they resolve
# to nothing).
MRN_SYSTEM = "urn:hms:mrn"
STAFF_SYSTEM = "urn:hms:staff"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


class FhirRenderer(JSONRenderer):
    media_type = FHIR_CONTENT_TYPE
    format = "fhir"


class FhirJsonRenderer(JSONRenderer):
    """Plain application/json for a client that asks only for that (`_format=json`)."""


class FhirParser(JSONParser):
    media_type = FHIR_CONTENT_TYPE


class Invalid(exceptions.APIException):
    """A request FHIR cannot answer as asked (a bad search value, a resource that is no Patient):
    400 with an OperationOutcome naming the problem (`issue_code` from FHIR's IssueType)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, detail: str, *, issue_code: str = "invalid", expression: str = "") -> None:
        super().__init__(detail)
        self.issue_code = issue_code
        self.expression = expression


ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    415: "not-supported",
    429: "throttled",
}


def outcome(issues: Iterable[dict]) -> dict:
    """An OperationOutcome resource of `issues` ({"severity", "code", "diagnostics", ...})."""
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def issue(diagnostics: str, *, code: str, severity: str = "error", expression: str = "") -> dict:
    found = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = [expression]
    return found


def operation_outcome(exc: Exception, context: dict) -> Response | None:
    """REST framework's exception handler for /fhir/: the refusal as an OperationOutcome (the
    same status codes as the JSON API: 401, 403 "Your role may not …", 404 for what the caller
    may not reach or what does not exist, 409 for a hospital rule, 429)."""
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Refusal):
        body = outcome([issue(str(exc), code="business-rule", expression=exc.field or "")])
        return Response(body, status=status.HTTP_409_CONFLICT, content_type=FHIR_CONTENT_TYPE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    detail = getattr(exc, "detail", "")
    if isinstance(detail, dict) and "detail" in detail:  # simplejwt's refusal of a token
        messages = [str(detail["detail"])]
    elif isinstance(detail, dict):
        messages = [f"{key}: {value}" for key, value in detail.items()]
    elif isinstance(detail, list):
        messages = [str(item) for item in detail]
    else:
        messages = [str(detail)]
    response.data = outcome(
        issue(
            message,
            code=getattr(exc, "issue_code", ISSUE_CODES.get(code, "processing")),
            expression=getattr(exc, "expression", ""),
        )
        for message in messages
    )
    response.content_type = FHIR_CONTENT_TYPE
    return response


class FhirView(APIView):
    """A FHIR endpoint: fhir+json in and out (plain JSON accepted too), OperationOutcome errors,
    no REST framework paging. Subclasses set `capability` (and `scopes`) as API views do."""

    renderer_classes = [FhirRenderer, FhirJsonRenderer]
    parser_classes = [FhirParser, JSONParser]
    pagination_class = None
    schema = None  # not in the JSON API's OpenAPI schema: /fhir/metadata describes these

    def get_exception_handler(self) -> Callable:
        return operation_outcome

    def perform_content_negotiation(self, request, force=False):
        # `_format` is FHIR's own override of the Accept header (json and fhir+json accepted).
        if request.query_params.get("_format", "") in ("json", "application/json"):
            return (self.renderer_classes[1](), "application/json")
        try:
            return super().perform_content_negotiation(request, force)
        except exceptions.NotAcceptable:
            return (self.renderer_classes[0](), FHIR_CONTENT_TYPE)

    def fhir(self, resource: dict, *, status_code: int = 200, headers: dict | None = None):
        return Response(resource, status=status_code, headers=headers)


# --- values -------------------------------------------------------------------------------------


def instant(value: datetime | None) -> str | None:
    """An aware datetime as FHIR's dateTime/instant (ISO 8601 with its offset)."""
    return timezone.localtime(value).isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def reference(resource_type: str, pk: Any, display: str = "") -> dict:
    found = {"reference": f"{resource_type}/{pk}"}
    if display:
        found["display"] = display
    return found


def coding(system: str, code: str, display: str = "") -> dict:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def quantity(value: Any, unit: str, code: str) -> dict:
    """A UCUM quantity: `unit` as people read it, `code` as UCUM writes it."""
    number = float(value) if not isinstance(value, int) else value
    return {"value": number, "unit": unit, "system": UCUM, "code": code}


def without_empty(resource: dict) -> dict:
    """The resource without keys whose value is None, "" or empty (FHIR forbids empty elements)."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


# --- search -------------------------------------------------------------------------------------


@dataclass
class Segment:
    """One source of a search's results: `rows` (a queryset in the order shown), how many there
    are (`count`, asked of the database), and `to_resources` turning a slice of rows into
    resources (one each; it may prefetch what they need, a constant number of queries)."""

    rows: Any
    count: int
    to_resources: Callable[[list], list[dict]]


def count_param(request) -> int:
    given = request.query_params.get("_count", "")
    if not given:
        return DEFAULT_COUNT
    if not given.isdigit() or len(given) > 6:
        raise Invalid("_count: a whole number from 0 to 200.", expression="_count")
    return min(int(given), MAX_COUNT)


def offset_param(request) -> int:
    given = request.query_params.get("_offset", "")
    if not given:
        return 0
    if not given.isdigit() or len(given) > 12:
        raise Invalid("_offset: a whole number.", expression="_offset")
    return int(given)


def search_page(request, resource_type: str, segments: list[Segment]) -> dict:
    """The searchset Bundle of one page (`_count` entries from `_offset`) over the segments one
    after the other, with the total over every row and the links (`self`, `next`, `previous`):
    follow `next` until there is none."""
    size = count_param(request)
    start = offset_param(request)
    total = sum(segment.count for segment in segments)
    resources: list[dict] = []
    position = 0
    for segment in segments:
        low, high = max(start - position, 0), min(start + size - position, segment.count)
        if low < high:
            resources += segment.to_resources(list(segment.rows[low:high]))
        position += segment.count
    base = request.build_absolute_uri(request.path)

    def link(relation: str, offset: int) -> dict:
        flat = [
            (name, value)
            for name, values in request.query_params.lists()
            for value in values
            if name != "_offset"
        ]
        flat.append(("_offset", str(offset)))
        return {"relation": relation, "url": f"{base}?{urlencode(flat)}"}

    links = [link("self", start)]
    if size and start + size < total:
        links.append(link("next", start + size))
    if start > 0:
        links.append(link("previous", max(start - size, 0)))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [entry(request, resource) for resource in resources],
    }


def entry(request, resource: dict, *, mode: str = "match") -> dict:
    return {
        "fullUrl": request.build_absolute_uri(f"/fhir/{resource['resourceType']}/{resource['id']}"),
        "resource": resource,
        "search": {"mode": mode},
    }


def one_segment(rows, to_resource: Callable[[Any], dict]) -> Segment:
    """A segment of one resource per row (rows already select_related what the resource needs)."""
    return Segment(
        rows=rows, count=rows.count(), to_resources=lambda page: [to_resource(r) for r in page]
    )


def patient_param(request) -> str | None:
    """The patient a search is about: `patient` or `subject` as `Patient/<id>` or `<id>`."""
    given = request.query_params.get("patient") or request.query_params.get("subject") or ""
    if not given:
        return None
    return given.removeprefix("Patient/")


def token_param(request, name: str) -> tuple[str, str] | None:
    """A token search value (`system|code` or `code`) as (system, code); None when not given."""
    given = request.query_params.get(name, "")
    if not given:
        return None
    system, bar, code = given.rpartition("|")
    return (system if bar else "", code)
