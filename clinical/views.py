"""Patient screens: find, register (with duplicate check), edit, the chart, archive."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import lifecycle, selectors, services, vitals
from clinical.forms import PatientForm, VitalsForm
from clinical.models import Patient, PatientState, PatientStateChange
from hms import params, rbac

RECENT_PER_PAGE = 25
VITALS_SHOWN = 50
HISTORY_PAGE = 25


def _patient_or_404(user, patient_id) -> Patient:
    patient = selectors.patient_for(user, patient_id)
    if patient is None:
        raise Http404("No such patient.")
    return patient


@rbac.capability_required("patients.view_chart")
def patient_list(request: HttpRequest) -> HttpResponse:
    """Find a patient: search as you type; below, the latest registrations."""
    if request.user.role == rbac.PATIENT:
        record = Patient.objects.filter(user=request.user).first()
        return redirect("patient_chart", pk=record.pk) if record else redirect("dashboard")
    query = params.search_text(request.GET.get("q"))
    include_archived = request.GET.get("archived") == "1"
    if request.htmx and request.htmx.target == "patient-results":
        results = selectors.patient_search(query, include_archived=include_archived)
        return render(
            request,
            "clinical/patient_list.html#results",
            {
                "results": results,
                "query": query,
                "pick": params.search_text(request.GET.get("pick")),
            },
        )
    recent = Patient.objects.exclude(state=PatientState.ARCHIVED).order_by("-registered_at")
    page = Paginator(recent, RECENT_PER_PAGE).get_page(request.GET.get("page"))
    results = selectors.patient_search(query, include_archived=include_archived) if query else None
    context = {"page": page, "results": results, "query": query, "archived": include_archived}
    return render(request, "clinical/patient_list.html", context)


@rbac.capability_required("patients.register")
def patient_register(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(
                actor=request.user,
                fields=form.patient_fields(),
                not_a_duplicate=form.cleaned_data["not_a_duplicate"],
                request=request,
            )
        except services.DuplicateSuspected as suspicion:
            duplicates = suspicion.candidates
        else:
            messages.success(request, f"{patient.full_name} is registered with MRN {patient.mrn}.")
            return redirect("patient_chart", pk=patient.pk)
    return render(
        request,
        "clinical/patient_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
    )


@rbac.capability_required("patients.register")
def patient_edit(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient_or_404(request.user, pk)
    # Editing a record shows what is on it: its allergies and history only with the whole chart.
    clinical = rbac.scope(request.user, "patients.view_chart") == rbac.ALL
    form = PatientForm(
        request.POST or None, instance=Patient.objects.get(pk=patient.pk), clinical=clinical
    )
    if request.method == "POST" and form.is_valid():
        services.patient_update(
            actor=request.user, patient=patient, fields=form.patient_fields(), request=request
        )
        messages.success(request, "Saved.")
        return redirect("patient_chart", pk=patient.pk)
    return render(request, "clinical/patient_form.html", {"form": form, "patient": patient})


@rbac.capability_required("patients.view_chart")
def patient_chart(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient_or_404(request.user, pk)
    services.patient_chart_opened(actor=request.user, patient=patient, request=request)
    scope = rbac.scope(request.user, "patients.view_chart")
    context = {
        "patient": patient,
        "clinical_view": scope != rbac.DEMOGRAPHICS,
        "history": patient.state_changes.select_related("by")[:20],
        "can_edit": rbac.has(request.user, "patients.register"),
        "can_record_vitals": rbac.has(request.user, "vitals.record"),
        "can_see_account": rbac.scope(request.user, "billing.invoices") == rbac.ALL,
        # The lab's panel of the patient's tests (staff who see results; not the desk's view).
        "can_see_tests": rbac.scope(request.user, "tests.view_results") == rbac.ALL,
        "can_archive": PatientState.ARCHIVED in lifecycle.ALLOWED[patient.state],
        "can_book": rbac.has(request.user, "appointments.book") and not patient.is_archived,
        "appointments": (
            selectors.appointments_for(request.user)
            .filter(patient=patient)
            .order_by("-starts_at")[:10]
        ),
    }
    return render(request, "clinical/patient_chart.html", context)


def _transition(request: HttpRequest, pk, to_state: str, done: str) -> HttpResponse:
    patient = _patient_or_404(request.user, pk)
    try:
        reason = params.bounded_text(
            request.POST.get("reason"),
            limit=params.model_limit(PatientStateChange, "reason"),
            label="Reason",
        )
        services.patient_transition(
            actor=request.user,
            patient=patient,
            to_state=to_state,
            reason=reason,
            request=request,
        )
    except (params.ValueRefused, lifecycle.TransitionRefused) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done.format(name=patient.full_name))
    return redirect("patient_chart", pk=patient.pk)


@rbac.capability_required("patients.register", post_only=True)
@require_POST
def patient_archive(request: HttpRequest, pk) -> HttpResponse:
    return _transition(
        request, pk, PatientState.ARCHIVED, "{name} is archived: hidden from daily lists."
    )


@rbac.capability_required("patients.register", post_only=True)
@require_POST
def patient_reactivate(request: HttpRequest, pk) -> HttpResponse:
    return _transition(request, pk, PatientState.REGISTERED, "{name}'s record is active again.")


@rbac.capability_required("patients.register", post_only=True)
@require_POST
def patient_portal_login(request: HttpRequest, pk) -> HttpResponse:
    """Create the patient's portal login and show the one-time password once."""
    patient = _patient_or_404(request.user, pk)
    try:
        username = params.bounded_text(
            request.POST.get("username"),
            limit=150,
            label="Username",
            required="Choose a username for the portal login.",
        )
        email = params.bounded_text(request.POST.get("email"), limit=254, label="E-mail")
        user, password = services.portal_login_create(
            actor=request.user, patient=patient, username=username, email=email, request=request
        )
    except (params.ValueRefused, services.BookingError) as refusal:
        messages.error(request, f"No portal login created: {refusal}")
        return redirect("patient_chart", pk=patient.pk)
    return render(
        request,
        "clinical/portal_login_created.html",
        {"patient": patient, "login": user, "password": password},
    )


@rbac.capability_required("vitals.record")
def patient_vitals(request: HttpRequest, pk) -> HttpResponse:
    """Record vitals (range-checked) and see them over time, abnormal ones flagged."""
    patient = _patient_or_404(request.user, pk)
    form = VitalsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data.get(name) for name in services.VITAL_FIELDS}
        try:
            services.vitals_record(
                actor=request.user,
                patient=patient,
                values=values,
                note=form.cleaned_data.get("note", ""),
                request=request,
            )
        except services.VitalsError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "Vitals recorded.")
            return redirect("patient_vitals", pk=patient.pk)
    readings = list(patient.vitals.select_related("recorded_by")[:VITALS_SHOWN])
    rows = [
        {
            "record": record,
            "cells": [
                (getattr(record, name), vitals.flag(name, getattr(record, name)))
                for name in services.VITAL_FIELDS
            ],
        }
        for record in readings
    ]
    series = {
        name: [
            {"x": timezone.localtime(r.recorded_at).strftime("%d %b %H:%M"), "y": float(v)}
            for r in reversed(readings)
            if (v := getattr(r, name)) is not None
        ]
        for name in ("temperature_c", "pulse", "systolic", "diastolic", "spo2")
    }
    context = {
        "patient": patient,
        "form": form,
        "rows": rows,
        "columns": [vitals.RANGES[name] for name in services.VITAL_FIELDS],
        "series": series,
    }
    return render(request, "clinical/patient_vitals.html", context)


@rbac.capability_required("patients.view_chart", scopes={rbac.ALL})
def patient_history(request: HttpRequest, pk) -> HttpResponse:
    """Everything that happened to the patient, newest first; older pages load below."""
    patient = _patient_or_404(request.user, pk)
    before = params.local_datetime(request.GET.get("before"))
    events = selectors.patient_timeline(patient, before=before, size=HISTORY_PAGE)
    context = {
        "patient": patient,
        "events": events,
        "next_before": events[-1].at.isoformat() if len(events) == HISTORY_PAGE else "",
    }
    if request.htmx and before:
        return render(request, "clinical/patient_history.html#page", context)
    services.patient_chart_opened(actor=request.user, patient=patient, request=request)
    return render(request, "clinical/patient_history.html", context)
