"""Patient screens: find, register (with duplicate check), edit, the chart, archive."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import lifecycle, merging, selectors, services
from clinical.forms import (
    PatientForm,
    PatientStateForm,
    PortalLoginForm,
    Spo2TargetForm,
    VitalsForm,
)
from clinical.models import Patient, PatientState
from hms import paging, params, rbac, submissions
from hms.concurrent_edits import merged_note
from hms.refusals import Refusal, refuse_beside, refuse_into

RECENT_PER_PAGE = selectors.LATEST_SHOWN
SEARCH_PER_PAGE = 20
VITALS_PER_PAGE = 50
CHART_READINGS = 50
HISTORY_PAGE = 25


def _patient_or_404(user, patient_id) -> Patient:
    patient = selectors.patient_for(user, patient_id)
    if patient is None:
        raise Http404("No such patient.")
    return patient


def _merged_away(request: HttpRequest, patient: Patient) -> HttpResponse | None:
    """A merged record's pages lead to the record it was merged into (its MRN is an alias)."""
    if patient.merged_into_id is None:
        return None
    live = merging.live_record(patient)
    messages.info(
        request,
        f"MRN {patient.mrn} was merged into {live.full_name}'s record (MRN {live.mrn})"
        f" on {timezone.localtime(patient.merged_at):%d %b %Y}: this is that record.",
    )
    return redirect("patient_chart", pk=live.pk)


@rbac.capability_required("patients.view_chart")
def patient_list(request: HttpRequest) -> HttpResponse:
    """Find a patient: search as you type; below, the latest registrations."""
    if rbac.scope(request.user, "patients.view_chart") == rbac.OWN:  # the portal: own record
        record = Patient.objects.filter(user=request.user).first()
        return redirect("patient_chart", pk=record.pk) if record else redirect("dashboard")
    query = params.search_text(request.GET.get("q"))
    include_archived = request.GET.get("archived") == "1"
    as_you_type = bool(request.htmx) and request.htmx.target == "patient-results"
    context = {
        "query": query,
        "archived": include_archived,
        "pick": params.search_text(request.GET.get("pick")),
        "can_register": rbac.allows(request.user, "patients.register"),
        # Paged like any list (STYLE 17); ranked, so its page and count are one query.
        "results": paging.ranked_page_of(
            request,
            selectors.patient_matches(query, include_archived=include_archived),
            SEARCH_PER_PAGE,
        )
        if query or as_you_type
        else None,
        "page": None,
    }
    if as_you_type:
        return render(request, "clinical/patient_list.html#results", context)
    if not query:  # the latest registrations, while nothing is searched for
        context["page"] = _latest_registrations_page(paging.page_number(request))
    return render(request, "clinical/patient_list.html", context)


def _latest_registrations_page(number: int):
    """The latest registrations' page `number`: the first, the page nearly always opened, read
    by prepared queries."""
    if number == 1:
        rows, count = selectors.latest_registrations_first()
        return paging.page_at(rows, RECENT_PER_PAGE, 1, count=count, first_rows=lambda: rows)
    return paging.page_at(selectors.latest_registrations(), RECENT_PER_PAGE, number)


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
        except Refusal as refusal:  # the identity document is another patient's
            refuse_into(form, refusal)
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
    if (elsewhere := _merged_away(request, patient)) is not None:
        return elsewhere
    # Editing a record shows what is on it: its allergies and history only with the whole chart.
    clinical = rbac.scope(request.user, "patients.view_chart") == rbac.ALL
    form = PatientForm(
        request.POST or None, instance=Patient.objects.get(pk=patient.pk), clinical=clinical
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                actor=request.user, patient=patient, fields=form.patient_fields(), request=request
            )
        except Refusal as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Saved." + merged_note(form))
            return redirect("patient_chart", pk=patient.pk)
    return render(request, "clinical/patient_form.html", {"form": form, "patient": patient})


@rbac.capability_required("patients.view_chart")
def patient_chart(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient_or_404(request.user, pk)
    if (elsewhere := _merged_away(request, patient)) is not None:
        return elsewhere
    services.patient_chart_opened(actor=request.user, patient=patient, request=request)
    return _chart_page(request, patient)


def _chart_page(request: HttpRequest, patient: Patient, **refused_forms) -> HttpResponse:
    """The chart; a refused form (`state_form=...`, `portal_form=...`) shows its messages beside
    its fields and keeps what was typed."""
    context = selectors.patient_chart_page(request.user, patient)
    return render(request, "clinical/patient_chart.html", context | refused_forms)


def _transition(request: HttpRequest, pk, to_state: str, done: str) -> HttpResponse:
    patient = _patient_or_404(request.user, pk)
    form = PatientStateForm(request.POST)
    if form.is_valid():
        try:
            services.patient_transition(
                actor=request.user,
                patient=patient,
                to_state=to_state,
                request=request,
                reason=form.cleaned_data["reason"],
            )
        except lifecycle.TransitionRefused as refusal:
            messages.error(request, str(refusal))  # about the record, not the reason
        else:
            messages.success(request, done.format(name=patient.full_name))
            return redirect("patient_chart", pk=patient.pk)
    return _chart_page(request, patient, state_form=form)


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
    form = PortalLoginForm(request.POST)
    if form.is_valid():
        try:
            user, password = services.portal_login_create(
                actor=request.user, patient=patient, request=request, **form.cleaned_data
            )
        except services.BookingError as refusal:
            refuse_beside(request, form, refusal)
        else:
            context = {"patient": patient, "login": user, "password": password}
            return render(request, "clinical/portal_login_created.html", context)
    return _chart_page(request, patient, portal_form=form)


@rbac.capability_required("vitals.record")
def patient_vitals(request: HttpRequest, pk) -> HttpResponse:
    """Record vitals (range-checked, scored by NEWS2) and see them over time, abnormal ones
    flagged; after a save the set just saved, its flags and its score lead the page."""
    patient = _patient_or_404(request.user, pk)
    form = VitalsForm(request.POST or None)
    if (elsewhere := _merged_away(request, patient)) is not None:
        return elsewhere
    if request.method == "POST" and form.is_valid():
        record = None
        try:
            record = services.vitals_record(
                actor=request.user,
                patient=patient,
                values={name: form.cleaned_data.get(name) for name in services.VITAL_FIELDS},
                on_oxygen=form.cleaned_data.get("on_oxygen"),
                consciousness=form.cleaned_data.get("consciousness", ""),
                note=form.cleaned_data.get("note", ""),
                request=request,
            )
        except services.VitalsError as problem:
            form.add_error(None, str(problem))
        except submissions.AlreadySubmitted as first:  # a double tap shows the first save
            record = first.result
        if record is not None:
            return _vitals_saved(request, patient, record)
    return _vitals_page(request, patient, form)


def _inline(request: HttpRequest) -> bool:
    """Vitals opened in place on another page (the consultation), by htmx: `?inline=1`."""
    return bool(request.htmx and (request.GET.get("inline") or request.POST.get("inline")))


def _vitals_saved(request: HttpRequest, patient: Patient, record) -> HttpResponse:
    """After a save: in place, the set saved with its flags and score (and the page's latest
    vitals line again); else the vitals page with that set first."""
    if not _inline(request):
        messages.success(request, "Vitals recorded.")
        return redirect(f"{reverse('patient_vitals', args=[patient.pk])}?saved={record.pk}")
    context = {
        "patient": patient,
        "saved": selectors.vitals_saved(record),
        "columns": selectors.vitals_columns(),
    }
    return render(request, "clinical/_vitals_inline_saved.html", context)


def _vitals_page(request: HttpRequest, patient: Patient, form: VitalsForm) -> HttpResponse:
    """The vitals table, paged, and a chart of the latest CHART_READINGS whatever page of the
    table is open (it says how many it plots); `?saved=<id>` puts that set first."""
    readings = patient.vitals.select_related("recorded_by")
    page = paging.page_of(request, readings, VITALS_PER_PAGE)
    series, charted = selectors.vitals_chart(page, readings, CHART_READINGS)
    saved_id = params.db_id(request.GET.get("saved"))
    saved = readings.filter(pk=saved_id).first() if saved_id else None
    context = {
        "patient": patient,
        "form": form,
        "saved": selectors.vitals_saved(saved) if saved else None,
        "rows": selectors.vitals_rows(page.object_list),
        "columns": selectors.vitals_columns(),
        "series": series,
        "page": page,
        "charted": charted,
        "can_set_target": rbac.allows(request.user, "clinical.consult"),
        "target_form": Spo2TargetForm(
            initial={"target_88_92": "0" if patient.spo2_target_88_92 else "1"}
        ),
        "inline": _inline(request),
    }
    part = "#vitals-form" if context["inline"] else ""
    return render(request, f"clinical/patient_vitals.html{part}", context)


@rbac.capability_required("clinical.consult", post_only=True)
def patient_spo2_target(request: HttpRequest, pk) -> HttpResponse:
    """A doctor sets or clears the patient's SpO2 target of 88-92% (NEWS2 scale 2)."""
    patient = _patient_or_404(request.user, pk)
    form = Spo2TargetForm(request.POST)
    if form.is_valid():
        target = form.cleaned_data["target_88_92"]
        try:
            services.patient_spo2_target_set(
                actor=request.user, patient=patient, target_88_92=target, request=request
            )
        except services.VitalsError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                "SpO₂ target 88–92%: NEWS2 scores SpO₂ on scale 2 from now on."
                if target
                else "The usual SpO₂ target: NEWS2 scores SpO₂ on scale 1 from now on.",
            )
    else:
        messages.error(request, "Choose the SpO₂ target.")
    return redirect("patient_vitals", pk=patient.pk)


@rbac.capability_required("patients.view_chart", scopes={rbac.ALL})
def patient_history(request: HttpRequest, pk) -> HttpResponse:
    """Everything that happened to the patient, newest first; older pages load below."""
    patient = _patient_or_404(request.user, pk)
    if (elsewhere := _merged_away(request, patient)) is not None:
        return elsewhere
    before = params.local_datetime(request.GET.get("before"))
    # From the cursor on (the whole history on the first page), less the entries of this page,
    # is what is still to load.
    events, from_cursor = selectors.patient_timeline_page(patient, before=before, size=HISTORY_PAGE)
    older = max(from_cursor - len(events), 0)
    context = {
        "patient": patient,
        "events": events,
        "total": None
        if request.htmx and before
        else (selectors.patient_timeline_count(patient) if before else from_cursor),
        "next_before": events[-1].at.isoformat() if older and events else "",
        "older": older,
    }
    if request.htmx and before:
        return render(request, "clinical/patient_history.html#page", context)
    services.patient_chart_opened(actor=request.user, patient=patient, request=request)
    return render(request, "clinical/patient_history.html", context)
