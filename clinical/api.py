"""The JSON API of patients and appointments (/api/v1/), through the same selectors as the screens.

GET /api/v1/patients/?q=…          staff: the patient search (name, MRN, phone, ID, member no.)
GET /api/v1/me/appointments/       a patient's own appointments (a doctor's), newest first
GET /api/v1/appointments/?day=…    staff: a day's appointments (a doctor: their own)
"""

from datetime import date, datetime, time

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinical import selectors
from clinical.models import Appointment, Consciousness, Patient, Prescription
from clinical.services import appointments as booking
from clinical.services import patients as registration
from clinical.services import vitals as vitals_service
from hms import rbac
from hms.api import PROBLEM_CONTENT_TYPE, CursorPage, idempotency_key
from hms.submissions import AlreadySubmitted


class PatientSummary(serializers.ModelSerializer):
    """What the search shows of a patient: the demographics reception may see."""

    name = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = ["id", "mrn", "name", "first_name", "last_name", "date_of_birth", "sex", "phone"]

    def get_name(self, patient: Patient) -> str:
        return f"{patient.first_name} {patient.last_name}"


class AppointmentRow(serializers.ModelSerializer):
    doctor = serializers.SerializerMethodField()
    patient = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "reason",
            "fee",
            "doctor",
            "patient",
        ]

    def get_doctor(self, appointment: Appointment) -> dict:
        doctor = appointment.doctor
        return {"id": doctor.pk, "name": doctor.get_full_name() or doctor.username}

    def get_patient(self, appointment: Appointment) -> dict:
        patient = appointment.patient
        return {
            "id": str(patient.pk),
            "mrn": patient.mrn,
            "name": f"{patient.first_name} {patient.last_name}",
        }


class Registration(serializers.ModelSerializer):
    """What the desk's registration form takes (the clinical history is the doctor's)."""

    not_a_duplicate = serializers.BooleanField(
        default=False,
        write_only=True,
        help_text="The desk has checked the likely duplicates and none is this patient.",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "id_type",
            "id_number",
            "address",
            "emergency_name",
            "emergency_relation",
            "emergency_phone",
            "not_a_duplicate",
        ]


class PatientSearch(APIView):
    """GET: the patient search of the front desk, the best 20 matches first; `more` says
    whether there are others (then refine the words). POST: register a patient as the desk's
    form does: the next MRN, or 409 with the likely duplicates (`candidates`) and nothing saved,
    unless `not_a_duplicate` says the desk has checked them."""

    capability = "patients.view_chart"
    scopes = {rbac.ALL, rbac.DEMOGRAPHICS}

    def get_permissions(self):
        if self.request.method == "POST":
            self.capability, self.scopes = "patients.register", None
        return super().get_permissions()

    @extend_schema(request=Registration, responses={201: PatientSummary})
    def post(self, request):
        given = Registration(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        confirmed = fields.pop("not_a_duplicate")
        try:
            patient = registration.patient_register(
                actor=request.user,
                fields=fields,
                not_a_duplicate=confirmed,
                request=request._request,
                submission=idempotency_key(request),
            )
        except AlreadySubmitted as done:
            return Response(PatientSummary(done.result).data)
        except registration.DuplicateSuspected as duplicate:
            return Response(
                {
                    "type": "/api/v1/problems/duplicate",
                    "title": "Likely already registered",
                    "status": status.HTTP_409_CONFLICT,
                    "detail": "This patient may already be registered: nothing was saved. Open"
                    " the record that is theirs, or send again with not_a_duplicate once checked.",
                    "instance": request.path,
                    "candidates": [
                        {**PatientSummary(candidate).data, "reason": candidate.duplicate_reason}
                        for candidate in duplicate.candidates
                    ],
                },
                status=status.HTTP_409_CONFLICT,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        return Response(PatientSummary(patient).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="at least 2 characters")],
        responses=inline_serializer(
            "PatientSearchResults",
            {"results": PatientSummary(many=True), "more": serializers.BooleanField()},
        ),
    )
    def get(self, request):
        query = request.query_params.get("q", "").strip()
        if len(query) < 2:
            raise exceptions.ValidationError({"q": ["Type at least 2 characters to search."]})
        found = list(selectors.patient_matches(query)[: selectors.SEARCH_LIMIT + 1])
        return Response(
            {
                "results": PatientSummary(found[: selectors.SEARCH_LIMIT], many=True).data,
                "more": len(found) > selectors.SEARCH_LIMIT,
            }
        )


class AppointmentPage(CursorPage):
    ordering = ("-starts_at", "-pk")


class MyAppointments(ListAPIView):
    """My appointments, newest first, cursor-paged: a patient's own, a doctor's with them."""

    capability = "appointments.view"
    scopes = {rbac.OWN}
    serializer_class = AppointmentRow
    pagination_class = AppointmentPage

    def get_queryset(self):
        return selectors.appointments_for(self.request.user)


class DayAppointments(ListAPIView):
    """One day's appointments (today by default) in time order: all of them for the desk and
    wards, a doctor's own for a doctor, a patient's own for a patient."""

    capability = "appointments.view"
    serializer_class = AppointmentRow

    class Page(CursorPage):
        ordering = ("starts_at", "pk")

    pagination_class = Page

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, description="YYYY-MM-DD")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        day = _day(self.request)
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(day, time.min), zone)
        end = timezone.make_aware(datetime.combine(day, time.max), zone)
        return selectors.appointments_for(self.request.user).filter(
            starts_at__gte=start, starts_at__lte=end
        )


class DoctorRow(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)


class Doctors(APIView):
    """The doctors a patient (or the desk) may book with."""

    capability = "appointments.book"
    pagination_class = None

    @extend_schema(responses=DoctorRow(many=True))
    def get(self, request):
        return Response(
            [
                {
                    "id": doctor.pk,
                    "name": doctor.get_full_name() or doctor.username,
                    "department": doctor.department.name if doctor.department else None,
                }
                for doctor in selectors.doctors()
            ]
        )


class SlotRow(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)
    free = serializers.BooleanField()


def _own_patient(user) -> Patient:
    patient = getattr(user, "patient_record", None)
    if patient is None:
        raise exceptions.PermissionDenied("Your login is not linked to a patient record yet.")
    return patient


class DoctorSlots(APIView):
    """A doctor's slots on a day (today by default), free or taken; for a patient, a slot they
    already hold with another doctor counts as taken."""

    capability = "appointments.book"

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, description="YYYY-MM-DD")],
        responses=SlotRow(many=True),
    )
    def get(self, request, pk: int):
        doctor = selectors.doctors().filter(pk=pk).first()
        if doctor is None:
            raise exceptions.NotFound("No doctor with that id sees patients.")
        day = _day(request)
        patient = getattr(request.user, "patient_record", None) if request.user.is_patient else None
        slots = selectors.slots_for(doctor, day, patient=patient)
        return Response(SlotRow(slots, many=True).data)


def _day(request) -> date:
    given = request.query_params.get("day", "")
    try:
        return date.fromisoformat(given) if given else timezone.localdate()
    except ValueError as error:
        raise exceptions.ValidationError({"day": ["Give the day as YYYY-MM-DD."]}) from error


class BookingRequest(serializers.Serializer):
    doctor = serializers.IntegerField()
    starts_at = serializers.DateTimeField(help_text="one of the doctor's free slots")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MoveRequest(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="another free slot of the same doctor")


class CancelRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


def _answer(appointment: Appointment, *, created: bool) -> Response:
    return Response(AppointmentRow(appointment).data, status=201 if created else 200)


class Book(APIView):
    """A patient books a free slot for themselves, under the portal's rules (how far ahead, how
    many at once). A taken slot answers 409 with the doctor's next free ones."""

    capability = "appointments.book"
    scopes = {rbac.OWN}

    @extend_schema(request=BookingRequest, responses={201: AppointmentRow, 200: AppointmentRow})
    def post(self, request):
        patient = _own_patient(request.user)
        given = BookingRequest(data=request.data)
        given.is_valid(raise_exception=True)
        doctor = selectors.doctors().filter(pk=given.validated_data["doctor"]).first()
        if doctor is None:
            raise exceptions.ValidationError({"doctor": ["No doctor with that id sees patients."]})
        try:
            appointment = booking.appointment_book(
                actor=request.user,
                patient=patient,
                doctor=doctor,
                starts_at=given.validated_data["starts_at"],
                reason=given.validated_data.get("reason", ""),
                request=request._request,
                submission=idempotency_key(request),
            )
        except AlreadySubmitted as done:
            return _answer(done.result, created=False)
        return _answer(appointment, created=True)


def _my_appointment(request, pk: int) -> Appointment:
    """The caller's own appointment, or 404 (another patient's id answers as a missing one)."""
    appointment = selectors.appointments_for(request.user).filter(pk=pk).first()
    if appointment is None:
        raise exceptions.NotFound("No appointment of yours has that id.")
    return appointment


class Reschedule(APIView):
    """Move my appointment to another free slot of the same doctor."""

    capability = "appointments.book"
    scopes = {rbac.OWN}

    @extend_schema(request=MoveRequest, responses=AppointmentRow)
    def post(self, request, pk: int):
        appointment = _my_appointment(request, pk)
        given = MoveRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            moved = booking.appointment_reschedule(
                actor=request.user,
                appointment=appointment,
                starts_at=given.validated_data["starts_at"],
                request=request._request,
                submission=idempotency_key(request),
            )
        except AlreadySubmitted as done:
            moved = done.result
        return _answer(moved, created=False)


class Cancel(APIView):
    """Cancel my appointment (the portal's rule on how late applies)."""

    capability = "appointments.book"
    scopes = {rbac.OWN}

    @extend_schema(request=CancelRequest, responses=AppointmentRow)
    def post(self, request, pk: int):
        appointment = _my_appointment(request, pk)
        given = CancelRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            cancelled = booking.appointment_cancel(
                actor=request.user,
                appointment=appointment,
                reason=given.validated_data.get("reason", ""),
                request=request._request,
                submission=idempotency_key(request),
            )
        except AlreadySubmitted as done:
            cancelled = done.result
        return _answer(cancelled, created=False)


class PrescriptionRow(serializers.ModelSerializer):
    doctor = serializers.SerializerMethodField()
    route_label = serializers.CharField(source="get_route_display", read_only=True)

    class Meta:
        model = Prescription
        fields = [
            "id",
            "created_at",
            "drug",
            "strength",
            "dose",
            "route",
            "route_label",
            "frequency",
            "duration",
            "instructions",
            "quantity",
            "dispensed_quantity",
            "doctor",
        ]

    def get_doctor(self, prescription: Prescription) -> str:
        return prescription.doctor.get_full_name() or prescription.doctor.username


class PrescriptionPage(CursorPage):
    ordering = ("-created_at", "-pk")


class MyPrescriptions(ListAPIView):
    """A patient's own prescriptions from every consultation, newest first."""

    capability = "patients.view_chart"
    scopes = {rbac.OWN}
    serializer_class = PrescriptionRow
    pagination_class = PrescriptionPage

    def get_queryset(self):
        return Prescription.objects.filter(patient__user=self.request.user).select_related("doctor")


class VitalsRequest(serializers.Serializer):
    """A set of observations: any of the readings (at least one), in the units the chart uses."""

    temperature_c = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    pulse = serializers.IntegerField(required=False)
    systolic = serializers.IntegerField(required=False)
    diastolic = serializers.IntegerField(required=False)
    respiratory_rate = serializers.IntegerField(required=False)
    spo2 = serializers.IntegerField(required=False)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
    height_cm = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    pain_score = serializers.IntegerField(required=False)
    on_oxygen = serializers.BooleanField(required=False, allow_null=True, default=None)
    consciousness = serializers.ChoiceField(
        choices=Consciousness.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VitalsRecorded(serializers.Serializer):
    id = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()
    news2 = serializers.DictField(allow_null=True)


class RecordVitals(APIView):
    """Record a set of vitals for a patient, as the vitals form does: impossible values are
    refused with the reason (409) and nothing is saved; NEWS2 is scored and alerts raised."""

    capability = "vitals.record"

    @extend_schema(request=VitalsRequest, responses={201: VitalsRecorded})
    def post(self, request, pk):
        patient = selectors.live_patient_for(request.user, pk)
        if patient is None:
            raise exceptions.NotFound("No patient has that id.")
        given = VitalsRequest(data=request.data)
        given.is_valid(raise_exception=True)
        readings = {
            name: value
            for name, value in given.validated_data.items()
            if name in vitals_service.VITAL_FIELDS
        }
        try:
            record = vitals_service.vitals_record(
                actor=request.user,
                patient=patient,
                values=readings,
                on_oxygen=given.validated_data["on_oxygen"],
                consciousness=given.validated_data["consciousness"],
                note=given.validated_data["note"],
                request=request._request,
                submission=idempotency_key(request),
            )
        except AlreadySubmitted as done:
            record, created = done.result, False
        else:
            created = True
        score = selectors.news2_of_record(record)
        body = {
            "id": record.pk,
            "recorded_at": record.recorded_at,
            "news2": None
            if score is None
            else {
                "score": score.score,
                "red_parameter": score.red_parameter,
                "parameters": score.parameters,
            },
        }
        return Response(VitalsRecorded(body).data, status=201 if created else 200)
