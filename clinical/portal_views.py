"""The patient portal's own pages: a summary for the dashboard and the patient's prescriptions.
Everything here reads only the signed-in patient's own record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinical.models import Appointment, AppointmentStatus, Encounter, Patient
from hms import rbac

PORTAL = {rbac.OWN}


def _own_record(request: HttpRequest) -> Patient | None:
    return Patient.objects.filter(user=request.user).first()


@rbac.capability_required("patients.view_chart", scopes=PORTAL)
def portal_summary(request: HttpRequest) -> HttpResponse:
    """The patient's dashboard panel: next appointments and the latest prescriptions."""
    patient = _own_record(request)
    upcoming = (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, starts_at__gte=timezone.now()
        ).select_related("doctor")[:5]
        if patient
        else []
    )
    return render(
        request, "clinical/portal_summary.html", {"patient": patient, "upcoming": upcoming}
    )


@rbac.capability_required("patients.view_chart", scopes=PORTAL)
def portal_prescriptions(request: HttpRequest) -> HttpResponse:
    patient = _own_record(request)
    encounters = (
        Encounter.objects.filter(patient=patient)
        .select_related("doctor")
        .prefetch_related("prescriptions")
        .order_by("-started_at")[:50]
        if patient
        else []
    )
    return render(
        request,
        "clinical/portal_prescriptions.html",
        {"patient": patient, "encounters": encounters},
    )
