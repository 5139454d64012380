"""Clinical's FHIR R4 resources (/fhir/): Patient, Practitioner, Encounter, Condition (a
consultation's diagnosis, ICD-10), MedicationRequest (prescriptions), Appointment, vital-signs
Observations (LOINC codes, UCUM units), `Patient/$everything`, the CapabilityStatement, and the
import of Patients through the registration service.

Resources are plain dicts built from the records (tests validate each with fhir.resources).
Every read goes through clinical's selectors (a patient's token reaches only their own records;
anything else answers 404), every write through clinical's services. Modules built on clinical
add their resources to `$everything` with `register_everything` (lab's results and reports).
"""

import re
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from rest_framework import exceptions

from accounts.models import User
from clinical import selectors
from clinical.models import (
    AppointmentStatus,
    Encounter,
    Patient,
    PatientState,
    Prescription,
    Sex,
    Vitals,
)
from clinical.services import patients as registration
from hms import params, rbac
from hms.fhir import (
    FHIR_VERSION,
    ICD10,
    LOINC,
    MRN_SYSTEM,
    STAFF_SYSTEM,
    FhirView,
    Invalid,
    Segment,
    coding,
    day,
    instant,
    issue,
    one_segment,
    outcome,
    patient_param,
    quantity,
    reference,
    search_page,
    token_param,
    without_empty,
)
from hms.refusals import Refusal

CLINICAL_SCOPES = {rbac.ALL, rbac.OWN}  # the chart beyond demographics: not reception's view
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GENDERS = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNKNOWN: "unknown"}
SEXES = {gender: sex for sex, gender in GENDERS.items()}


# --- who may see which rows ---------------------------------------------------------------------


def patients_visible(user: User) -> QuerySet:
    """The patient records `user` may open (selectors.patient_for's rule, as a queryset)."""
    patients = Patient.objects.all()
    if rbac.scope(user, "patients.view_chart") == rbac.OWN:
        patients = patients.filter(user=user)
    return patients


def of_patient(request, rows: QuerySet, field: str = "patient") -> QuerySet:
    """`rows` the caller may see (a patient: their own), narrowed to the search's `patient`."""
    user = request.user
    if rbac.scope(user, "patients.view_chart") == rbac.OWN or user.is_patient:
        rows = rows.filter(**{f"{field}__user": user})
    given = patient_param(request)
    if given is not None:
        patient_id = params.uuid_param(given)
        rows = rows.filter(**{field: patient_id}) if patient_id else rows.none()
    return rows


def readable_patient(request, pk: str) -> Patient:
    patient = selectors.patient_for(request.user, pk)
    if patient is None:
        raise exceptions.NotFound(f"No Patient/{pk} here.")
    return patient


# --- resources ----------------------------------------------------------------------------------


def patient_resource(patient: Patient) -> dict:
    """Patient: the MRN as identifier, name, gender, birth date, phone, address; a record merged
    into another links to the one kept (`replaced-by`) and is inactive."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Medical record number"},
                "system": MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
        "active": patient.state != PatientState.ARCHIVED and patient.merged_into_id is None,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "gender": GENDERS.get(patient.sex, "unknown"),
        "birthDate": day(patient.date_of_birth),
        "telecom": [{"system": "phone", "value": patient.phone, "use": "mobile"}]
        if patient.phone
        else None,
        "address": [{"text": patient.address}] if patient.address else None,
    }
    if patient.merged_into_id:
        resource["link"] = [
            {"other": reference("Patient", patient.merged_into_id), "type": "replaced-by"}
        ]
    return without_empty(resource)


def practitioner_resource(user: User) -> dict:
    return without_empty(
        {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "identifier": [{"system": STAFF_SYSTEM, "value": user.username}],
            "active": user.is_active,
            "name": [
                without_empty(
                    {
                        "text": user.get_full_name() or user.username,
                        "family": user.last_name,
                        "given": [user.first_name] if user.first_name else None,
                    }
                )
            ],
            "qualification": [{"code": {"text": user.role_label}}],
        }
    )


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


ENCOUNTER_STATUSES = {Encounter.Status.OPEN: "in-progress", Encounter.Status.COMPLETED: "finished"}


def encounter_resource(encounter: Encounter) -> dict:
    """Encounter: an outpatient consultation (class AMB) with its doctor and times."""
    return without_empty(
        {
            "resourceType": "Encounter",
            "id": str(encounter.pk),
            "status": ENCOUNTER_STATUSES.get(encounter.status, "unknown"),
            "class": coding(
                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"
            ),
            "subject": reference("Patient", encounter.patient_id, encounter.patient.full_name),
            "participant": [
                {
                    "individual": reference(
                        "Practitioner", encounter.doctor_id, _person(encounter.doctor)
                    )
                }
            ],
            "appointment": [reference("Appointment", encounter.appointment_id)]
            if encounter.appointment_id
            else None,
            "period": without_empty(
                {"start": instant(encounter.started_at), "end": instant(encounter.completed_at)}
            ),
            "reasonCode": [{"text": encounter.complaints[:500]}] if encounter.complaints else None,
        }
    )


def condition_resource(encounter: Encounter) -> dict:
    """Condition: a consultation's diagnosis (its id is the consultation's), coded in ICD-10 when
    the doctor picked a code."""
    code = {"text": encounter.diagnosis or encounter.icd10_code}
    if encounter.icd10_code:
        code["coding"] = [coding(ICD10, encounter.icd10_code, encounter.diagnosis)]
    return without_empty(
        {
            "resourceType": "Condition",
            "id": str(encounter.pk),
            "verificationStatus": {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"
                    )
                ]
            },
            "category": [
                {
                    "coding": [
                        coding(
                            "http://terminology.hl7.org/CodeSystem/condition-category",
                            "encounter-diagnosis",
                            "Encounter Diagnosis",
                        )
                    ]
                }
            ],
            "code": code,
            "subject": reference("Patient", encounter.patient_id, encounter.patient.full_name),
            "encounter": reference("Encounter", encounter.pk),
            "recordedDate": instant(encounter.completed_at or encounter.started_at),
            "recorder": reference("Practitioner", encounter.doctor_id, _person(encounter.doctor)),
        }
    )


def medication_request_resource(prescription: Prescription) -> dict:
    """MedicationRequest: a prescription as the doctor wrote it (drug and strength as text)."""
    drug = f"{prescription.drug} {prescription.strength}".strip()
    dosage = (
        f"{prescription.dose} {prescription.get_route_display().lower()}, {prescription.frequency}"
        f" for {prescription.duration}"
    )
    if prescription.instructions:
        dosage += f". {prescription.instructions}"
    resource = {
        "resourceType": "MedicationRequest",
        "id": str(prescription.pk),
        "status": "completed" if prescription.encounter.completed_at else "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": drug},
        "subject": reference("Patient", prescription.patient_id, prescription.patient.full_name),
        "encounter": reference("Encounter", prescription.encounter_id),
        "authoredOn": instant(prescription.created_at),
        "requester": reference(
            "Practitioner", prescription.doctor_id, _person(prescription.doctor)
        ),
        "dosageInstruction": [{"text": dosage}],
    }
    if prescription.quantity:
        resource["dispenseRequest"] = {"quantity": {"value": prescription.quantity}}
    return without_empty(resource)


APPOINTMENT_STATUSES = {
    AppointmentStatus.SCHEDULED: "booked",
    AppointmentStatus.CHECKED_IN: "checked-in",
    AppointmentStatus.IN_CONSULTATION: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}


def appointment_resource(appointment) -> dict:
    return without_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "status": APPOINTMENT_STATUSES.get(appointment.status, "booked"),
            "description": appointment.reason,
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "created": day(appointment.created_at.date()) if appointment.created_at else None,
            "participant": [
                {
                    "actor": reference(
                        "Patient", appointment.patient_id, appointment.patient.full_name
                    ),
                    "status": "accepted",
                },
                {
                    "actor": reference(
                        "Practitioner", appointment.doctor_id, _person(appointment.doctor)
                    ),
                    "status": "accepted",
                },
            ],
        }
    )


# --- vital signs --------------------------------------------------------------------------------

# Each measured value of a vitals record is one Observation (id "vs-<record>-<key>"), LOINC-coded
# with its UCUM unit, as FHIR's vital-signs profile names them. Blood pressure is one panel with
# the systolic and diastolic components.
VITAL_SIGNS = {
    # key: (field, LOINC code, display, unit shown, UCUM code)
    "hr": ("pulse", "8867-4", "Heart rate", "beats/minute", "/min"),
    "bp": ("systolic", "85354-9", "Blood pressure panel", "mmHg", "mm[Hg]"),
    "temp": ("temperature_c", "8310-5", "Body temperature", "°C", "Cel"),
    "rr": ("respiratory_rate", "9279-1", "Respiratory rate", "breaths/minute", "/min"),
    "spo2": ("spo2", "59408-5", "Oxygen saturation by pulse oximetry", "%", "%"),
    "weight": ("weight_kg", "29463-7", "Body weight", "kg", "kg"),
    "height": ("height_cm", "8302-2", "Body height", "cm", "cm"),
    "pain": ("pain_score", "72514-3", "Pain severity 0-10 (reported)", "score", "{score}"),
}
CODE_KEYS = {code: key for key, (_field, code, *_rest) in VITAL_SIGNS.items()}
CODE_KEYS.update({"8480-6": "bp", "8462-4": "bp", "2708-6": "spo2"})


def vital_sign_resource(record: Vitals, key: str) -> dict:
    field, code, display, unit, ucum = VITAL_SIGNS[key]
    codings = [coding(LOINC, code, display)]
    if key == "spo2":
        codings.append(coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"))
    resource = {
        "resourceType": "Observation",
        "id": f"vs-{record.pk}-{key}",
        "status": "final",
        "category": [{"coding": [coding(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")]}],
        "code": {"coding": codings, "text": display},
        "subject": reference("Patient", record.patient_id),
        "effectiveDateTime": instant(record.recorded_at),
        "performer": [reference("Practitioner", record.recorded_by_id)]
        if record.recorded_by_id
        else None,
        "note": [{"text": record.note}] if record.note else None,
    }
    if key == "bp":
        resource["component"] = [
            {
                "code": {"coding": [coding(LOINC, "8480-6", "Systolic blood pressure")]},
                "valueQuantity": quantity(record.systolic, unit, ucum),
            },
            {
                "code": {"coding": [coding(LOINC, "8462-4", "Diastolic blood pressure")]},
                "valueQuantity": quantity(record.diastolic, unit, ucum),
            },
        ]
    else:
        resource["valueQuantity"] = quantity(getattr(record, field), unit, ucum)
    return without_empty(resource)


def _measured(key: str) -> Q:
    field = VITAL_SIGNS[key][0]
    if key == "bp":
        return Q(systolic__isnull=False, diastolic__isnull=False)
    return Q(**{f"{field}__isnull": False})


def vital_sign_segments(records: QuerySet, keys: list[str]) -> list[Segment]:
    """One segment per vital sign of `keys` over `records` (newest first), their counts asked in
    one query."""
    counts = (
        records.aggregate(**{key: Count("pk", filter=_measured(key)) for key in keys})
        if keys
        else {}
    )
    ordered = records.order_by("-recorded_at", "-pk")
    return [
        Segment(
            rows=ordered.filter(_measured(key)),
            count=counts[key],
            to_resources=lambda page, key=key: [vital_sign_resource(r, key) for r in page],
        )
        for key in keys
    ]


def vital_sign_for(user: User, observation_id: str) -> dict | None:
    """The vital-sign Observation `vs-<record>-<key>` the user may see, or None."""
    _prefix, _dash, rest = observation_id.partition("-")
    record_id, _dash, key = rest.partition("-")
    record_pk = params.db_id(record_id)
    if key not in VITAL_SIGNS or record_pk is None:
        return None
    if not rbac.allows(user, "patients.view_chart", scopes=CLINICAL_SCOPES):
        return None
    records = Vitals.objects.filter(_measured(key), pk=record_pk)
    if rbac.scope(user, "patients.view_chart") == rbac.OWN:
        records = records.filter(patient__user=user)
    record = records.first()
    return vital_sign_resource(record, key) if record else None


def vital_keys(request) -> list[str]:
    """The vital signs a search asks for (`code`, LOINC, several separated by commas)."""
    given = request.query_params.get("code", "")
    if not given:
        return list(VITAL_SIGNS)
    keys = []
    for value in given.split(","):
        system, _bar, code = value.rpartition("|")
        if system in ("", LOINC) and code in CODE_KEYS and CODE_KEYS[code] not in keys:
            keys.append(CODE_KEYS[code])
    return keys


# --- the search sources -------------------------------------------------------------------------


def encounters(request) -> QuerySet:
    rows = Encounter.objects.select_related("patient", "doctor")
    return of_patient(request, rows).order_by("-started_at", "-pk")


def conditions(request) -> QuerySet:
    diagnosed = Q(icd10_code__gt="") | Q(diagnosis__gt="")
    rows = encounters(request).filter(diagnosed)
    code = token_param(request, "code")
    if code is not None:
        rows = rows.filter(icd10_code__iexact=code[1]) if code[0] in ("", ICD10) else rows.none()
    return rows


def prescriptions(request) -> QuerySet:
    rows = Prescription.objects.select_related("patient", "doctor", "encounter")
    return of_patient(request, rows).order_by("-created_at", "-pk")


def appointments(request) -> QuerySet:
    rows = selectors.appointments_for(request.user)
    given = patient_param(request)
    if given is not None:
        patient_id = params.uuid_param(given)
        rows = rows.filter(patient=patient_id) if patient_id else rows.none()
    return rows.order_by("-starts_at", "-pk")


# Modules built on clinical add their part of a patient's record to $everything: each source is
# called as source(request, patient) and returns its Segments.
_everything_sources: list[Callable] = []


def register_everything(source: Callable) -> None:
    if source not in _everything_sources:
        _everything_sources.append(source)


def everything_segments(request, patient: Patient) -> list[Segment]:
    """Patient/$everything: the patient, their encounters, diagnoses, prescriptions,
    appointments and vital signs, then what other modules registered (lab's results)."""
    user = request.user
    encounter_rows = Encounter.objects.select_related("patient", "doctor").filter(patient=patient)
    segments = [
        Segment(rows=[patient], count=1, to_resources=lambda page: [patient_resource(page[0])]),
        one_segment(encounter_rows.order_by("-started_at", "-pk"), encounter_resource),
        one_segment(
            encounter_rows.filter(Q(icd10_code__gt="") | Q(diagnosis__gt="")).order_by(
                "-started_at", "-pk"
            ),
            condition_resource,
        ),
        one_segment(
            Prescription.objects.select_related("patient", "doctor", "encounter")
            .filter(patient=patient)
            .order_by("-created_at", "-pk"),
            medication_request_resource,
        ),
    ]
    if rbac.allows(user, "appointments.view"):
        segments.append(
            one_segment(
                selectors.appointments_for(user)
                .filter(patient=patient)
                .order_by("-starts_at", "-pk"),
                appointment_resource,
            )
        )
    segments += vital_sign_segments(Vitals.objects.filter(patient=patient), list(VITAL_SIGNS))
    for source in _everything_sources:
        segments += source(request, patient)
    return segments


def patients_found(request) -> QuerySet:
    """Patient search: `name` (any part), `family`, `given`, `identifier` (the MRN, with or without
    its system), `birthdate` (YYYY-MM-DD), `phone`/`telecom` (the last 9 digits compared);
    `_id`. Ordered by MRN."""
    rows = patients_visible(request.user)
    query = request.query_params
    for word in query.get("name", "").split():
        rows = rows.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if query.get("family"):
        rows = rows.filter(last_name__icontains=query["family"])
    if query.get("given"):
        rows = rows.filter(first_name__icontains=query["given"])
    identifier = token_param(request, "identifier")
    if identifier is not None:
        system, value = identifier
        rows = rows.filter(mrn=value) if system in ("", MRN_SYSTEM) else rows.none()
    if query.get("_id"):
        patient_id = params.uuid_param(query["_id"])
        rows = rows.filter(pk=patient_id) if patient_id else rows.none()
    if query.get("birthdate"):
        born = _fhir_date(query["birthdate"].removeprefix("eq"))
        if born is None:
            raise Invalid("birthdate: give it as YYYY-MM-DD.", expression="birthdate")
        rows = rows.filter(date_of_birth=born)
    phone = query.get("phone") or query.get("telecom", "").removeprefix("phone|")
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 6:
            raise Invalid("phone: give at least 6 digits.", expression="phone")
        rows = rows.filter(phone_digits__endswith=digits[-9:])
    return rows.order_by("mrn")


# --- the views ----------------------------------------------------------------------------------


class PatientSearch(FhirView):
    """GET /fhir/Patient?…: a searchset Bundle of patients (patients_found's parameters).
    POST /fhir/Patient: register one Patient (PatientImport's rules)."""

    capability = "patients.view_chart"
    scopes = {rbac.ALL, rbac.DEMOGRAPHICS, rbac.OWN}

    def get(self, request):
        return self.fhir(
            search_page(
                request, "Patient", [one_segment(patients_found(request), patient_resource)]
            )
        )

    def post(self, request):
        if not rbac.allows(request.user, "patients.register"):
            raise exceptions.PermissionDenied("Your role may not use patients.register.")
        result = import_patient(request, request.data, path="Patient")
        return self.fhir(result.body, status_code=result.status, headers=result.headers)


class PatientRead(FhirView):
    """GET /fhir/Patient/<id>: the Patient; opening it is a chart view (audited)."""

    capability = "patients.view_chart"
    scopes = {rbac.ALL, rbac.DEMOGRAPHICS, rbac.OWN}

    def get(self, request, pk: str):
        patient = readable_patient(request, pk)
        registration.patient_chart_opened(
            actor=request.user, patient=patient, request=request._request
        )
        return self.fhir(patient_resource(patient))


class PatientEverything(FhirView):
    """GET /fhir/Patient/<id>/$everything: the patient's whole record as a searchset Bundle,
    paged like a search (`_count`, follow `next`). A chart view (audited)."""

    capability = "patients.view_chart"
    scopes = CLINICAL_SCOPES

    def get(self, request, pk: str):
        patient = readable_patient(request, pk)
        registration.patient_chart_opened(
            actor=request.user, patient=patient, request=request._request
        )
        return self.fhir(search_page(request, "Patient", everything_segments(request, patient)))


def _staff_rows(user: User) -> QuerySet:
    """The people a Practitioner search shows: every member of staff to staff, the doctors who
    see patients to a patient (as the booking screen lists them)."""
    if user.is_patient:
        return selectors.doctors()
    return User.objects.exclude(role=rbac.PATIENT).order_by("last_name", "first_name", "pk")


class PractitionerSearch(FhirView):
    """GET /fhir/Practitioner?name=…: the hospital's staff (a patient: the doctors)."""

    capability = rbac.SIGNED_IN

    def get(self, request):
        rows = _staff_rows(request.user)
        for word in request.query_params.get("name", "").split():
            rows = rows.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return self.fhir(
            search_page(request, "Practitioner", [one_segment(rows, practitioner_resource)])
        )


class PractitionerRead(FhirView):
    capability = rbac.SIGNED_IN

    def get(self, request, pk: str):
        user_id = params.db_id(pk)
        found = _staff_rows(request.user).filter(pk=user_id).first() if user_id else None
        if found is None:
            raise exceptions.NotFound(f"No Practitioner/{pk} here.")
        return self.fhir(practitioner_resource(found))


class RecordsOfPatients(FhirView):
    """GET /fhir/<type>?patient=… (search) and GET /fhir/<type>/<id> (read) of one resource type
    over the same rows: `rows(request)`, the records the caller may see, newest first;
    `to_resource`, one row as the resource."""

    resource_type = ""

    @staticmethod
    def rows(request) -> QuerySet:
        raise NotImplementedError

    @staticmethod
    def to_resource(row) -> dict:
        raise NotImplementedError

    def get(self, request, pk: str | None = None):
        rows = self.rows(request)
        if pk is None:
            segment = one_segment(rows, self.to_resource)
            return self.fhir(search_page(request, self.resource_type, [segment]))
        row_id = params.db_id(pk)
        found = rows.filter(pk=row_id).first() if row_id else None
        if found is None:
            raise exceptions.NotFound(f"No {self.resource_type}/{pk} here.")
        return self.fhir(self.to_resource(found))


class EncounterRecords(RecordsOfPatients):
    """Consultations (`patient`/`subject`)."""

    capability = "patients.view_chart"
    scopes = CLINICAL_SCOPES
    resource_type = "Encounter"
    rows = staticmethod(encounters)
    to_resource = staticmethod(encounter_resource)


class ConditionRecords(RecordsOfPatients):
    """Consultations' diagnoses (`patient`, `code` in ICD-10)."""

    capability = "patients.view_chart"
    scopes = CLINICAL_SCOPES
    resource_type = "Condition"
    rows = staticmethod(conditions)
    to_resource = staticmethod(condition_resource)


class MedicationRequestRecords(RecordsOfPatients):
    """Prescriptions (`patient`)."""

    capability = "patients.view_chart"
    scopes = CLINICAL_SCOPES
    resource_type = "MedicationRequest"
    rows = staticmethod(prescriptions)
    to_resource = staticmethod(medication_request_resource)


class AppointmentRecords(RecordsOfPatients):
    """The appointments the caller may see (a doctor's own, a patient's own; `patient`)."""

    capability = "appointments.view"
    resource_type = "Appointment"
    rows = staticmethod(appointments)
    to_resource = staticmethod(appointment_resource)


# --- import -------------------------------------------------------------------------------------


class Imported:
    """What one posted Patient came to: `status`, the body (the Patient created, or an
    OperationOutcome), the Location header."""

    def __init__(self, status: int, body: dict, location: str = "") -> None:
        self.status = status
        self.body = body
        self.location = location

    @property
    def headers(self) -> dict:
        return {"Location": self.location} if self.location else {}


class Rejected(Exception):
    def __init__(self, imported: Imported) -> None:
        super().__init__(imported.status)
        self.imported = imported


def _fhir_date(value: object) -> date | None:
    """A FHIR date given to the day (YYYY-MM-DD), or None."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def patient_fields(resource: object, path: str) -> dict:
    """The registration form's fields from a FHIR Patient: official (or first) name, gender,
    birthDate, the first phone, the first address as text. Raises Invalid naming what is missing
    or wrong."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        raise Invalid("Send a Patient resource.", expression=path)
    names = resource.get("name") or []
    if not isinstance(names, list) or not names or not isinstance(names[0], dict):
        raise Invalid("A patient needs a name (family and given).", expression=f"{path}.name")
    name = next((n for n in names if isinstance(n, dict) and n.get("use") == "official"), names[0])
    given = " ".join(str(part) for part in name.get("given") or [] if part)
    family = str(name.get("family") or "")
    if not given or not family:
        raise Invalid("A patient needs a family and a given name.", expression=f"{path}.name")
    born = _fhir_date(resource.get("birthDate"))
    if born is None or born > date.today():
        raise Invalid("birthDate: YYYY-MM-DD, not in the future.", expression=f"{path}.birthDate")
    phones = [
        t.get("value")
        for t in resource.get("telecom") or []
        if isinstance(t, dict) and t.get("system") == "phone" and t.get("value")
    ]
    if not phones:
        raise Invalid("A patient needs a phone number.", expression=f"{path}.telecom")
    gender = resource.get("gender") or "unknown"
    if gender not in SEXES:
        raise Invalid("gender: male, female, other or unknown.", expression=f"{path}.gender")
    address = ""
    for found in resource.get("address") or []:
        if isinstance(found, dict):
            lines = [*(found.get("line") or []), found.get("city"), found.get("country")]
            address = found.get("text") or ", ".join(str(p) for p in lines if p)
            break
    return {
        "first_name": given[:80],
        "last_name": family[:80],
        "date_of_birth": born,
        "sex": SEXES[gender],
        "phone": str(phones[0])[:20],
        "address": address[:250],
    }


def _candidates_outcome(candidates: list[Patient], path: str) -> dict:
    issues = [
        issue(
            "This patient may already be registered: nothing was created. Open the record"
            " that is theirs, or register them at the desk after checking.",
            code="duplicate",
            expression=path,
        )
    ]
    for candidate in candidates:
        issues.append(
            issue(
                f"Patient/{candidate.pk}: {candidate.full_name}, MRN {candidate.mrn},"
                f" born {candidate.date_of_birth:%Y-%m-%d} ({candidate.duplicate_reason})",
                code="duplicate",
                severity="information",
                expression=path,
            )
        )
    return outcome(issues)


def register_one(request, resource: object, *, path: str) -> Imported:
    """Register one posted Patient through clinical's registration service. Raises Rejected with
    400 (an invalid resource) or 409 (likely duplicates: the candidates listed; a taken identity
    or a refused phone: the service's sentence); nothing is saved then."""
    try:
        fields = patient_fields(resource, path)
    except Invalid as error:
        raise Rejected(
            Imported(
                400,
                outcome([issue(str(error.detail), code="invalid", expression=error.expression)]),
            )
        ) from error
    try:
        patient = registration.patient_register(
            actor=request.user, fields=fields, request=request._request
        )
    except registration.DuplicateSuspected as duplicate:
        raise Rejected(Imported(409, _candidates_outcome(duplicate.candidates, path))) from None
    except Refusal as refused:
        body = outcome([issue(str(refused), code="business-rule", expression=path)])
        raise Rejected(Imported(409, body)) from None
    except ValidationError as invalid:
        messages = [
            f"{field}: {' '.join(errors)}" for field, errors in invalid.message_dict.items()
        ]
        body = outcome(issue(message, code="invalid", expression=path) for message in messages)
        raise Rejected(Imported(400, body)) from None
    return Imported(201, patient_resource(patient), f"Patient/{patient.pk}")


def import_patient(request, resource: object, *, path: str) -> Imported:
    """POST /fhir/Patient (and a batch's entry): register_one's answer, refused or not; a refusal
    leaves nothing behind."""
    try:
        with transaction.atomic():
            return register_one(request, resource, path=path)
    except Rejected as rejected:
        return rejected.imported


STATUS_LINES = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request", 409: "409 Conflict"}


def import_bundle(request, bundle: object) -> Imported:
    """POST /fhir/ with a transaction or batch Bundle of `POST Patient` entries. A transaction is
    all or nothing: any entry refused (a likely duplicate, an invalid Patient) creates none, and
    the answer is the OperationOutcome of every refused entry (409, or 400 for an invalid one).
    A batch registers each entry on its own; its batch-response Bundle says per entry what
    happened (201 with the Patient, or the OperationOutcome with the candidates)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise Invalid("Send a Bundle of type transaction or batch.")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise Invalid("Bundle.type: transaction or batch.", expression="Bundle.type")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or not entries:
        raise Invalid("The Bundle has no entries.", expression="Bundle.entry")
    if len(entries) > 500:
        raise Invalid("At most 500 entries a Bundle.", expression="Bundle.entry")
    for index, item in enumerate(entries):
        wanted = item.get("request") if isinstance(item, dict) else None
        if (
            not isinstance(wanted, dict)
            or wanted.get("method") != "POST"
            or str(wanted.get("url", "")).rstrip("/") not in ("Patient", "Patient/")
        ):
            raise Invalid(
                "Each entry must be request POST Patient.",
                issue_code="not-supported",
                expression=f"Bundle.entry[{index}].request",
            )
    results: list[Imported] = []
    if kind == "transaction":
        refused: list[Imported] = []
        try:
            with transaction.atomic():
                for index, item in enumerate(entries):
                    try:
                        results.append(
                            register_one(
                                request, item.get("resource"), path=f"Bundle.entry[{index}]"
                            )
                        )
                    except Rejected as rejected:
                        refused.append(rejected.imported)
                if refused:
                    raise Rejected(refused[0])
        except Rejected:
            issues = [found for one in refused for found in one.body["issue"]]
            worst = 400 if any(one.status == 400 for one in refused) else 409
            return Imported(worst, outcome(issues))
    else:
        for index, item in enumerate(entries):
            results.append(
                import_patient(request, item.get("resource"), path=f"Bundle.entry[{index}]")
            )
    answered = []
    for result in results:
        response = {"status": STATUS_LINES[result.status]}
        if result.location:
            response["location"] = result.location
            answered.append({"resource": result.body, "response": response})
        else:
            response["outcome"] = result.body
            answered.append({"response": response})
    return Imported(200, {"resourceType": "Bundle", "type": f"{kind}-response", "entry": answered})


class BundleImport(FhirView):
    """POST /fhir/: a transaction (or batch) Bundle of Patients to register (import_bundle)."""

    capability = "patients.register"

    def post(self, request):
        result = import_bundle(request, request.data)
        return self.fhir(result.body, status_code=result.status)


# --- the capability statement -------------------------------------------------------------------

SEARCHES = {
    "Patient": ["_id", "name", "family", "given", "identifier", "birthdate", "phone", "telecom"],
    "Practitioner": ["name"],
    "Encounter": ["patient", "subject"],
    "Condition": ["patient", "subject", "code"],
    "Observation": ["patient", "subject", "category", "code"],
    "MedicationRequest": ["patient", "subject"],
    "DiagnosticReport": ["patient", "subject", "code"],
    "Appointment": ["patient"],
    "Location": ["name", "type", "partof"],
}
SEARCH_TYPES = {
    "_id": "token",
    "identifier": "token",
    "code": "token",
    "category": "token",
    "type": "token",
    "telecom": "token",
    "birthdate": "date",
    "patient": "reference",
    "subject": "reference",
    "partof": "reference",
}


def capability_statement(request) -> dict:
    """GET /fhir/metadata: what this server does (read and search of each type, $everything,
    creating Patients, transaction/batch Bundles of Patients)."""
    resources = []
    for resource_type, names in SEARCHES.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if resource_type == "Patient":
            interactions.append({"code": "create"})
        found = {
            "type": resource_type,
            "interaction": interactions,
            "searchParam": [
                {"name": name, "type": SEARCH_TYPES.get(name, "string")} for name in names
            ]
            + [{"name": "_count", "type": "number"}],
        }
        if resource_type == "Patient":
            found["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(found)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date.today().isoformat(),
        "kind": "instance",
        "software": {"name": "HMS"},
        "implementation": {
            "description": "HMS hospital management system",
            "url": request.build_absolute_uri("/fhir/"),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer tokens from /api/v1/auth/token/ (see docs/API.md)."
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }


class Metadata(FhirView):
    capability = rbac.PUBLIC

    def get(self, request):
        return self.fhir(capability_statement(request))
