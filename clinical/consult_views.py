"""The doctor's consultation screen: notes, diagnosis, prescriptions (printable), complete."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import dosing, icd10, selectors, services
from clinical.forms import EncounterForm, PrescriptionCheckForm, PrescriptionForm
from clinical.models import Encounter, Prescription
from hms import params, rbac
from hms.pdf import pdf_response
from hms.refusals import act, refuse_into


def _encounter(pk: int) -> Encounter:
    return get_object_or_404(
        Encounter.objects.select_related("patient", "doctor", "appointment"), pk=pk
    )


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
    current = _encounter(pk)
    form = EncounterForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.encounter_save(
                actor=request.user, encounter=current, fields=form.cleaned_data, request=request
            )
        except services.ConsultationError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Notes saved.")
            return redirect("encounter", pk=current.pk)
    return _encounter_page(request, current, form=form if form.is_bound else None)


def _encounter_page(
    request: HttpRequest,
    current: Encounter,
    *,
    form: EncounterForm | None = None,
    prescription_form: PrescriptionForm | None = None,
    stopped: services.PrescribingStopped | None = None,
    check_form: PrescriptionCheckForm | None = None,
) -> HttpResponse:
    """The consultation screen; a refused form shows its reasons beside its fields and keeps
    what was typed."""
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
        "prescription_form": prescription_form or PrescriptionForm(),
        "prescriptions": current.prescriptions.select_related("formulary_item"),
        "editable": editable,
        "stopped": stopped,
        "check_form": check_form or PrescriptionCheckForm(),
    }
    return render(request, "clinical/encounter.html", context)


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
    """Add a line; a refused one redraws the consultation with the reasons beside the fields and
    what was typed kept (a completed consultation, or one not the doctor's, says so above)."""
    current = _encounter(pk)
    form = PrescriptionForm(request.POST)
    checks = PrescriptionCheckForm(request.POST)
    stopped = None
    if form.is_valid():
        try:
            _prescribe(request, current, form, checks)
        except services.PrescribingStopped as refusal:
            stopped = refusal
            refuse_into(form, refusal)
        except services.ConsultationError as refusal:
            if refusal.field is None:
                messages.error(request, str(refusal))
                return redirect("encounter", pk=current.pk)
            refuse_into(form, refusal)
        else:
            messages.success(request, "Prescription added.")
            return redirect("encounter", pk=current.pk)
    messages.error(request, "Prescription not added: see the reasons beside the fields.")
    # A second look after a stop starts with the box unticked: the doctor reads again.
    shown = PrescriptionCheckForm(
        initial={"allergy_override_reason": request.POST.get("allergy_override_reason", "")[:300]}
    )
    return _encounter_page(
        request, current, prescription_form=form, stopped=stopped, check_form=shown
    )


def _prescribe(request: HttpRequest, current: Encounter, form, checks) -> None:
    """The line as typed (`form`, valid) with the doctor's answers to the checks (`checks`: an
    allergy override's reason, the warnings confirmed), through the prescribing service."""
    services.prescription_add(
        actor=request.user,
        encounter=current,
        request=request,
        allergy_override_reason=(
            checks.cleaned_data["allergy_override_reason"] if checks.is_valid() else ""
        ),
        warnings_confirmed=checks.confirmed(),
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
    try:
        services.prescription_remove(actor=request.user, prescription=prescription, request=request)
    except services.ConsultationError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Prescription removed.")
    return redirect("encounter", pk=prescription.encounter_id)


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
            "prescriptions": current.prescriptions.select_related("formulary_item"),
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
