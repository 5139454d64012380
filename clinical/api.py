"""The JSON API of patients and appointments (/api/v1/), through the same selectors as the screens.

GET /api/v1/patients/?q=…          staff: the patient search (name, MRN, phone, ID, member no.)
GET /api/v1/me/appointments/       a patient's own appointments (a doctor's), newest first
GET /api/v1/appointments/?day=…    staff: a day's appointments (a doctor: their own)
"""

from datetime import date, datetime, time

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinical import selectors
from clinical.models import Appointment, Patient
from hms import rbac
from hms.api import CursorPage


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


class PatientSearch(APIView):
    """The patient search of the front desk: the best 20 matches first; `more` says whether
    there are others (then refine the words)."""

    capability = "patients.view_chart"
    scopes = {rbac.ALL, rbac.DEMOGRAPHICS}

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
        given = self.request.query_params.get("day", "")
        try:
            day = date.fromisoformat(given) if given else timezone.localdate()
        except ValueError as error:
            raise exceptions.ValidationError({"day": ["Give the day as YYYY-MM-DD."]}) from error
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(day, time.min), zone)
        end = timezone.make_aware(datetime.combine(day, time.max), zone)
        return selectors.appointments_for(self.request.user).filter(
            starts_at__gte=start, starts_at__lte=end
        )
