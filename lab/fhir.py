"""Lab's FHIR R4 resources (/fhir/): laboratory Observations (one per reported value, LOINC-coded
where the starter catalogue's analyte has a code, UCUM units), DiagnosticReports (one per test
order with a result), and the Observation endpoints that serve vital signs (clinical's) and lab
results together.

Orders come through lab.selectors.orders_for: staff who view results see every resulted order at
its latest version (preliminary until verified); a patient only their own verified results, at
the verified version (a correction nobody has verified yet is never shown).
"""

from django.db.models import F, Prefetch, Q, QuerySet
from rest_framework import exceptions

from clinical import fhir as clinical_fhir
from clinical.models import Patient, Vitals
from hms import params, rbac
from hms.fhir import (
    LOINC,
    UCUM,
    FhirView,
    Segment,
    coding,
    instant,
    one_segment,
    patient_param,
    reference,
    search_page,
    token_param,
    without_empty,
)
from lab import selectors
from lab.models import (
    Department,
    Flag,
    OrderStatus,
    ResultValue,
    ResultVersion,
    TestKind,
    TestOrder,
)

LOCAL_TESTS = "urn:hms:lab-test"
# LOINC codes of the starter catalogue (lab.catalogue): (test code, analyte) -> (code, display).
ANALYTE_LOINC = {
    ("CBC", "Haemoglobin"): ("718-7", "Hemoglobin [Mass/volume] in Blood"),
    ("CBC", "White cells"): ("6690-2", "Leukocytes [#/volume] in Blood by Automated count"),
    ("CBC", "Platelets"): ("777-3", "Platelets [#/volume] in Blood by Automated count"),
    ("RBS", "Glucose"): ("15074-8", "Glucose [Moles/volume] in Blood"),
    ("UEC", "Sodium"): ("2951-2", "Sodium [Moles/volume] in Serum or Plasma"),
    ("UEC", "Potassium"): ("2823-3", "Potassium [Moles/volume] in Serum or Plasma"),
    ("UEC", "Urea"): ("22664-7", "Urea [Moles/volume] in Serum or Plasma"),
    ("UEC", "Creatinine"): ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma"),
    ("BS-MPS", "Malaria parasites"): (
        "32700-7",
        "Microscopic observation [Identifier] in Blood by Malaria smear",
    ),
    ("URINE", "pH"): ("5803-2", "pH of Urine by Test strip"),
    ("URINE", "Specific gravity"): ("5811-5", "Specific gravity of Urine by Test strip"),
    ("URINE", "Protein"): ("20454-5", "Protein [Presence] in Urine by Test strip"),
    ("URINE", "Glucose"): ("25428-4", "Glucose [Presence] in Urine by Test strip"),
}
TEST_LOINC = {
    "CBC": ("58410-2", "CBC panel - Blood by Automated count"),
    "URINE": ("24356-8", "Urinalysis complete panel - Urine"),
    "ECG": ("11524-6", "EKG study"),
}
# The catalogue's units in UCUM (a unit not listed is given as text only).
UCUM_UNITS = {
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mmol/L": "mmol/L",
    "µmol/L": "umol/L",
    "μmol/L": "umol/L",
    "mg/dL": "mg/dL",
    "×10⁹/L": "10*9/L",
    "x10^9/L": "10*9/L",
    "×10¹²/L": "10*12/L",
    "%": "%",
    "U/L": "U/L",
    "fL": "fL",
}
INTERPRETATIONS = {
    Flag.LOW: ("L", "Low"),
    Flag.HIGH: ("H", "High"),
    Flag.CRITICAL_LOW: ("LL", "Critical low"),
    Flag.CRITICAL_HIGH: ("HH", "Critical high"),
}
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
REPORT_CATEGORY = "http://terminology.hl7.org/CodeSystem/v2-0074"


def _sees_all(user) -> bool:
    return rbac.scope(user, "tests.view_results") != rbac.OWN_VERIFIED


def resulted_orders(user) -> QuerySet:
    """The orders with a result `user` may see (lab.selectors.orders_for), never cancelled ones."""
    orders = selectors.orders_for(user).exclude(status=OrderStatus.CANCELLED)
    return orders.filter(result_version__gt=0)


def _shown_version(user) -> F:
    return F("order__result_version") if _sees_all(user) else F("order__verified_version")


def result_values(user) -> QuerySet:
    """The reported values `user` may see, of each order's version shown to them."""
    return (
        ResultValue.objects.filter(order__in=resulted_orders(user), version=_shown_version(user))
        .exclude(version=0)
        .select_related("order", "order__test")
    )


def _test_code(order: TestOrder) -> dict:
    codings = [coding(LOCAL_TESTS, order.test.code, order.test.name)]
    if order.test.code in TEST_LOINC:
        codings.insert(0, coding(LOINC, *TEST_LOINC[order.test.code]))
    return {"coding": codings, "text": order.test.name}


def _status(order: TestOrder, version: int) -> str:
    if order.verified_version and version <= order.verified_version:
        return "amended" if version > 1 else "final"
    return "preliminary"


def lab_observation_resource(value: ResultValue) -> dict:
    """Observation (laboratory): one reported value, its reference range and flag as entered."""
    order = value.order
    codings = [coding(LOCAL_TESTS, f"{order.test.code}.{value.name}", value.name)]
    loinc = ANALYTE_LOINC.get((order.test.code, value.name))
    if loinc:
        codings.insert(0, coding(LOINC, *loinc))
    resource = {
        "resourceType": "Observation",
        "id": f"lab-{value.pk}",
        "status": _status(order, value.version),
        "category": [
            {"coding": [coding(clinical_fhir.OBSERVATION_CATEGORY, "laboratory", "Laboratory")]}
        ],
        "code": {"coding": codings, "text": value.name},
        "subject": reference("Patient", order.patient_id),
        "effectiveDateTime": instant(order.collected_at or order.ordered_at),
        "issued": instant(order.verified_at or order.completed_at),
        "referenceRange": [{"text": value.reference}] if value.reference else None,
    }
    if value.numeric_value is not None:
        unit = UCUM_UNITS.get(value.unit)
        measured = {"value": float(value.numeric_value)}
        if value.unit:
            measured["unit"] = value.unit
        if unit:
            measured |= {"system": UCUM, "code": unit}
        resource["valueQuantity"] = measured
    else:
        resource["valueString"] = value.value
    if value.flag in INTERPRETATIONS:
        code, display = INTERPRETATIONS[value.flag]
        resource["interpretation"] = [{"coding": [coding(INTERPRETATION_SYSTEM, code, display)]}]
    return without_empty(resource)


def diagnostic_report_resource(order: TestOrder, version: int) -> dict:
    """DiagnosticReport: a test order's result at `version`, its values as Observations and the
    findings as the conclusion."""
    values = [v for v in order.values.all() if v.version == version]
    found = next((v for v in order.versions.all() if v.version == version), None)
    imaging = order.test.kind == TestKind.IMAGING
    category = (
        "RAD" if order.test.department == Department.RADIOLOGY else ("OTH" if imaging else "LAB")
    )
    return without_empty(
        {
            "resourceType": "DiagnosticReport",
            "id": str(order.pk),
            "identifier": [{"system": "urn:hms:lab-order", "value": order.number}],
            "status": _status(order, version),
            "category": [{"coding": [coding(REPORT_CATEGORY, category)]}],
            "code": _test_code(order),
            "subject": reference("Patient", order.patient_id),
            "effectiveDateTime": instant(order.collected_at or order.ordered_at),
            "issued": instant(order.verified_at or order.completed_at),
            "result": [reference("Observation", f"lab-{v.pk}", v.name) for v in values],
            "conclusion": found.findings[:2000] if found and found.findings else None,
        }
    )


def _report_rows(user, rows: QuerySet) -> QuerySet:
    return rows.prefetch_related(
        Prefetch("values", queryset=ResultValue.objects.order_by("id")),
        Prefetch(
            "versions", queryset=ResultVersion.objects.only("order_id", "version", "findings")
        ),
    ).order_by("-ordered_at", "-pk")


def report_segment(user, rows: QuerySet) -> Segment:
    sees_all = _sees_all(user)

    def to_resources(page: list[TestOrder]) -> list[dict]:
        return [
            diagnostic_report_resource(
                order, order.result_version if sees_all else order.verified_version
            )
            for order in page
        ]

    rows = _report_rows(user, rows)
    return Segment(rows=rows, count=rows.count(), to_resources=to_resources)


def _for_patient(request, rows: QuerySet, field: str) -> QuerySet:
    given = patient_param(request)
    if given is None:
        return rows
    patient_id = params.uuid_param(given)
    return rows.filter(**{field: patient_id}) if patient_id else rows.none()


def _lab_codes(request, rows: QuerySet) -> QuerySet:
    """Lab values narrowed to the searched `code`s (LOINC of the catalogue, or the local
    test.analyte codes)."""
    given = request.query_params.get("code", "")
    if not given:
        return rows
    wanted = []
    for value in given.split(","):
        system, _bar, code = value.rpartition("|")
        for (test, analyte), (loinc, _display) in ANALYTE_LOINC.items():
            if system in ("", LOINC) and code == loinc:
                wanted.append((test, analyte))
        if system in ("", LOCAL_TESTS) and "." in code:
            wanted.append(tuple(code.split(".", 1)))
    if not wanted:
        return rows.none()
    match = Q()
    for test, analyte in wanted:
        match |= Q(order__test__code=test, name=analyte)
    return rows.filter(match)


def lab_values(request, values: QuerySet) -> Segment:
    return one_segment(
        values.order_by("-order__ordered_at", "-order_id", "id"), lab_observation_resource
    )


def observation_segments(request) -> list[Segment]:
    """The Observations a search reaches: vital signs for those who see the chart, then lab
    values; narrowed by `patient`/`subject`, `category` and `code`."""
    user = request.user
    category = request.query_params.get("category", "").rpartition("|")[2]
    segments: list[Segment] = []
    if category in ("", "vital-signs") and rbac.allows(
        user, "patients.view_chart", scopes=clinical_fhir.CLINICAL_SCOPES
    ):
        records = clinical_fhir.of_patient(request, Vitals.objects.all())
        segments += clinical_fhir.vital_sign_segments(records, clinical_fhir.vital_keys(request))
    if category in ("", "laboratory"):
        values = _for_patient(request, result_values(user), "order__patient")
        segments.append(lab_values(request, _lab_codes(request, values)))
    return segments


class ObservationSearch(FhirView):
    """GET /fhir/Observation?patient=…&category=vital-signs|laboratory&code=…: vital signs (grouped
    by sign, newest first) and lab values (newest order first), paged with a total."""

    capability = "tests.view_results"

    def get(self, request):
        return self.fhir(search_page(request, "Observation", observation_segments(request)))


class ObservationRead(FhirView):
    """GET /fhir/Observation/<id>: `vs-<vitals>-<sign>` (a vital sign) or `lab-<value>`."""

    capability = "tests.view_results"

    def get(self, request, pk: str):
        found = None
        if pk.startswith("vs-"):
            found = clinical_fhir.vital_sign_for(request.user, pk)
        elif pk.startswith("lab-"):
            value_id = params.db_id(pk.removeprefix("lab-"))
            value = result_values(request.user).filter(pk=value_id).first() if value_id else None
            found = lab_observation_resource(value) if value else None
        if found is None:
            raise exceptions.NotFound(f"No Observation/{pk} here.")
        return self.fhir(found)


class DiagnosticReportSearch(FhirView):
    """GET /fhir/DiagnosticReport?patient=…&code=…: resulted test orders, newest first."""

    capability = "tests.view_results"

    def get(self, request):
        rows = _for_patient(request, resulted_orders(request.user), "patient")
        code = token_param(request, "code")
        if code is not None:
            system, value = code
            if system in ("", LOCAL_TESTS):
                rows = rows.filter(test__code=value)
            else:
                tests = [test for test, (loinc, _d) in TEST_LOINC.items() if loinc == value]
                rows = rows.filter(test__code__in=tests) if system == LOINC else rows.none()
        return self.fhir(
            search_page(request, "DiagnosticReport", [report_segment(request.user, rows)])
        )


class DiagnosticReportRead(FhirView):
    capability = "tests.view_results"

    def get(self, request, pk: str):
        order_id = params.db_id(pk)
        rows = resulted_orders(request.user).filter(pk=order_id) if order_id else None
        segment = report_segment(request.user, rows) if rows is not None else None
        found = segment.to_resources(list(segment.rows[:1])) if segment else []
        if not found:
            raise exceptions.NotFound(f"No DiagnosticReport/{pk} here.")
        return self.fhir(found[0])


def everything(request, patient: Patient) -> list[Segment]:
    """Lab's part of Patient/$everything: the results and reports the caller may see."""
    if not rbac.allows(request.user, "tests.view_results"):
        return []
    values = result_values(request.user).filter(order__patient=patient)
    orders = resulted_orders(request.user).filter(patient=patient)
    return [lab_values(request, values), report_segment(request.user, orders)]
