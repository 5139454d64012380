"""The patient portal's own pages: a summary for the dashboard and the patient's prescriptions.
Everything here reads only the signed-in patient's own record."""

from datetime import datetime, time

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinical.models import ARRIVED_STATUSES, Appointment, AppointmentStatus, Encounter, Patient
from hms import paging, rbac

PORTAL = {rbac.OWN}
SUMMARY_SIZE = 5
VISITS_PER_PAGE = 20


def _own_record(request: HttpRequest) -> Patient | None:
    return Patient.objects.filter(user=request.user).first()


@rbac.capability_required("patients.view_chart", scopes=PORTAL)
def portal_summary(request: HttpRequest) -> HttpResponse:
    """The patient's dashboard panel: next appointments (today's once checked in or with the
    doctor too) and the latest prescriptions."""
    patient = _own_record(request)
    today_start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    upcoming = paging.first_of(
        Appointment.objects.filter(
            Q(status=AppointmentStatus.SCHEDULED, starts_at__gte=timezone.now())
            | Q(status__in=ARRIVED_STATUSES, starts_at__gte=today_start),
            patient=patient,
        )
        .order_by("starts_at", "pk")
        .select_related("doctor")
        if patient
        else Appointment.objects.none(),
        SUMMARY_SIZE,
    )
    return render(
        request, "clinical/portal_summary.html", {"patient": patient, "upcoming": upcoming}
    )


@rbac.capability_required("patients.view_chart", scopes=PORTAL)
def portal_prescriptions(request: HttpRequest) -> HttpResponse:
    patient = _own_record(request)
    visits = (
        Encounter.objects.filter(patient=patient)
        .select_related("doctor")
        .prefetch_related("prescriptions")
        .order_by("-started_at", "-pk")
        if patient
        else Encounter.objects.none()
    )
    page = paging.page_of(request, visits, VISITS_PER_PAGE)
    return render(
        request,
        "clinical/portal_prescriptions.html",
        {"patient": patient, "encounters": page, "page": page},
    )
