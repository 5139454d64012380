"""The doctor's consultation screen: notes, diagnosis, prescriptions (printable), complete."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from clinical import dosing, icd10, selectors, services
from clinical.forms import EncounterForm, PrescriptionCheckForm, PrescriptionForm
from clinical.models import Encounter, Prescription
from hms import params, rbac
from hms.pdf import pdf_response
from hms.refusals import act, refuse_into


def _encounter(pk: int) -> Encounter:
    encounter = selectors.encounter_by_id(pk)
    if encounter is None:
        raise Http404("No such consultation.")
    return encounter


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def encounter_start(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    appointment = selectors.appointments_for(request.user).filter(pk=appointment_pk).first()
    if appointment is None:
        raise Http404("No such appointment.")
    try:
        encounter = services.encounter_start(
            actor=request.user, appointment=appointment, request=request
        )
    except services.ConsultationError as refusal:
        messages.error(request, str(refusal))
        return redirect("appointment_detail", pk=appointment.pk)
    return redirect("encounter", pk=encounter.pk)


@rbac.capability_required("clinical.consult")
def encounter(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation screen; its notes are saved from it (by htmx: only the notes' line
    changes, nothing else on the page is redrawn under the doctor's hands)."""
    current = _encounter(pk)
    if not request.POST:  # the page opened (its notes form is made there, with any draft)
        return _encounter_page(request, current)
    form = EncounterForm(request.POST, instance=current)
    if form.is_valid():
        try:
            services.encounter_save(
                actor=request.user, encounter=current, fields=form.cleaned_data, request=request
            )
        except services.ConsultationError as refusal:
            refuse_into(form, refusal)
        else:
            return _notes_saved(request, current)
    part = "notes-form" if request.htmx else None
    return _encounter_page(request, current, form=form, part=part)


def _notes_saved(request: HttpRequest, current: Encounter) -> HttpResponse:
    """After a save: by htmx, the line under the notes says so (the form stays as typed) and the
    page learns the saved notes' version (static/js/drafts.js); else the page again."""
    if not request.htmx:
        messages.success(request, "Notes saved.")
        return redirect("encounter", pk=current.pk)
    current.refresh_from_db()
    response = render(request, "clinical/_notes_saved.html", {"saved_at": current.notes_saved_at})
    response = reswap(retarget(response, "#draft-status"), "outerHTML")
    saved = {name: getattr(current, name) or "" for name in services.ENCOUNTER_FIELDS}
    return trigger_client_event(
        response, "hms:notes-saved", {"version": services.notes_version(current), "fields": saved}
    )


def _encounter_page(
    request: HttpRequest,
    current: Encounter,
    *,
    form: EncounterForm | None = None,
    part: str | None = None,
    **shown,
) -> HttpResponse:
    """The consultation screen, or one `part` of it (a partial of clinical/encounter.html: the
    notes form, the prescriptions card) for htmx. `shown` may give the prescription form as
    refused (`prescription_form`, `stopped`, `check_form`) or what was done
    (`prescription_said`): a refused form keeps what was typed, its reasons beside it."""
    editable = services.may_change_notes(request.user, current)
    # Notes typed and not saved (kept while typing) come back into the form after any reload.
    draft = services.encounter_draft_for(request.user, current) if editable and not form else None
    if form is None:
        form = EncounterForm(instance=current, initial=draft.fields if draft else None)
    context = {
        "encounter": current,
        "patient": current.patient,
        "form": form,
        "draft": draft,
        "notes_version": services.notes_version(current),
        "prescription_form": None,  # the blank one, kept (templatetags/consult_forms.py)
        "prescriptions": selectors.encounter_prescriptions(current),
        "editable": editable,
        "check_form": None,
    } | shown
    template = f"clinical/encounter.html#{part}" if part else "clinical/encounter.html"
    return render(request, template, context)


def _act(request: HttpRequest, pk: int, action, done: str, **kwargs) -> HttpResponse:
    current = _encounter(pk)
    return act(
        request, action, done=done, then=current.get_absolute_url(), encounter=current, **kwargs
    )


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def encounter_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.encounter_complete, "Consultation completed.")


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def prescription_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a line; by htmx only the prescriptions card is redrawn (the notes stay as typed). A
    refused line shows the reasons beside the fields with what was typed kept; a refusal about
    the consultation (completed, not the doctor's) says so above the form."""
    current = _encounter(pk)
    form = PrescriptionForm(request.POST)
    checks = PrescriptionCheckForm(request.POST)
    stopped = None
    if form.is_valid():
        try:
            line = _prescribe(request, current, form, checks)
        except services.PrescribingStopped as refusal:
            stopped = refusal  # shown once, under the drug, with what it asks
        except services.ConsultationError as refusal:
            if refusal.field is None and not request.htmx:
                messages.error(request, str(refusal))
                return redirect("encounter", pk=current.pk)
            refuse_into(form, refusal)
        else:
            return _prescriptions_changed(request, current, f"Added: {line.drug} {line.strength}.")
    return _prescription_refused(request, current, form, stopped)


def _prescription_refused(
    request: HttpRequest, current: Encounter, form: PrescriptionForm, stopped
) -> HttpResponse:
    if not request.htmx:
        messages.error(request, "Prescription not added: see the reasons beside the fields.")
    shown = PrescriptionCheckForm.after_stop(
        request.POST, stopped, shortest=services.OVERRIDE_REASON_MIN
    )
    return _encounter_page(
        request,
        current,
        prescription_form=form,
        stopped=stopped,
        check_form=shown,
        part="prescriptions-card" if request.htmx else None,
    )


def _prescriptions_changed(request: HttpRequest, current: Encounter, said: str) -> HttpResponse:
    """After a line is added or removed: by htmx the prescriptions card again, saying so; else
    the page again with the message."""
    if not request.htmx:
        messages.success(request, said)
        return redirect("encounter", pk=current.pk)
    return _encounter_page(request, current, part="prescriptions-card", prescription_said=said)


def _prescribe(request: HttpRequest, current: Encounter, form, checks) -> Prescription:
    """The line as typed (`form`, valid) with the doctor's answers to the checks (`checks`: an
    allergy override's reason, the warnings confirmed), through the prescribing service."""
    return services.prescription_add(
        actor=request.user,
        encounter=current,
        request=request,
        **checks.answers(),
        **form.cleaned_data,
    )


@rbac.capability_required("clinical.consult")
def icd10_pick(request: HttpRequest) -> HttpResponse:
    """The diagnosis box's search of the WHO ICD-10 list (`q`, or what the diagnosis or code box
    holds): a fragment under the boxes; a tap fills the code and its title
    (static/js/diagnosis.js)."""
    text = params.search_text(
        request.GET.get("q") or request.GET.get("diagnosis") or request.GET.get("icd10_code"),
        limit=80,
    )
    found = icd10.search(text)
    return render(request, "clinical/_icd10_pick.html", {"found": found, "text": text})


@rbac.capability_required("clinical.consult")
def prescription_quantity(request: HttpRequest) -> HttpResponse:
    """The quantity the prescription form would dispense for the dose, frequency and duration
    typed and the item picked (`formulary_item`): a fragment under the quantity box."""
    form = PrescriptionForm(request.GET)
    form.is_valid()  # only its cleaned item and words are read
    item = form.cleaned_data.get("formulary_item")
    reading = None
    if item is not None and not form.cleaned_data.get("outside"):
        reading = dosing.quantity_to_dispense(
            dose=request.GET.get("dose", "")[:40],
            frequency=request.GET.get("frequency", "")[:40],
            duration=request.GET.get("duration", "")[:40],
            form=item.form,
        )
    return render(
        request, "clinical/_prescription_quantity.html", {"reading": reading, "item": item}
    )


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def prescription_remove(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = get_object_or_404(Prescription.objects.select_related("encounter"), pk=pk)
    current = _encounter(prescription.encounter_id)
    try:
        services.prescription_remove(actor=request.user, prescription=prescription, request=request)
    except services.ConsultationError as refusal:
        if not request.htmx:
            messages.error(request, str(refusal))
            return redirect("encounter", pk=current.pk)
        form = PrescriptionForm()
        refuse_into(form, refusal)
        return _encounter_page(request, current, prescription_form=form, part="prescriptions-card")
    return _prescriptions_changed(
        request, current, f"Removed: {prescription.drug} {prescription.strength}."
    )


@rbac.capability_required("patients.view_chart", scopes={rbac.ALL, rbac.OWN})
def prescription_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation's prescriptions as an A5-friendly PDF (the patient may print their own)."""
    current = _encounter(pk)
    if selectors.patient_for(request.user, current.patient_id) is None:
        raise Http404("No such consultation.")
    html = render_to_string(
        "clinical/prescription_pdf.html",
        {
            "encounter": current,
            "patient": current.patient,
            "prescriptions": selectors.encounter_prescriptions(current),
            "allergies": current.patient.allergy_records.filter(removed_at__isnull=True),
            "printed_at": timezone.now(),
            "hospital": {"name": settings.HOSPITAL_NAME, "address": settings.HOSPITAL_ADDRESS},
        },
    )
    return pdf_response(html, f"prescription-{current.patient.mrn}-{current.pk}.pdf")


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def encounter_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep what the doctor has typed into the notes (sent by static/js/drafts.js while typing
    and on leaving a field); answers the line that says so."""
    current = _encounter(pk)
    try:
        draft = services.encounter_draft_save(
            actor=request.user,
            encounter=current,
            fields={
                name: request.POST[name]
                for name in services.ENCOUNTER_FIELDS
                if name in request.POST
            },
            based_on=request.POST.get("notes_version", "")[:32] or None,
        )
    except services.ConsultationError as refusal:
        return render(request, "clinical/_draft_status.html", {"refusal": str(refusal)})
    return render(request, "clinical/_draft_status.html", {"draft": draft})


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def encounter_draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    current = _encounter(pk)
    services.encounter_draft_discard(actor=request.user, encounter=current)
    messages.success(request, "The unsaved notes were discarded; the saved notes are shown.")
    return redirect("encounter", pk=current.pk)
