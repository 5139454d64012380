"""The doctor's consultation screen: notes, diagnosis, prescriptions (printable), complete."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import selectors, services
from clinical.forms import EncounterForm, PrescriptionForm
from clinical.models import Encounter, Prescription
from hms import rbac
from hms.pdf import pdf_response
from hms.refusals import act


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
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Notes saved.")
            return redirect("encounter", pk=current.pk)
    editable = services.may_change_notes(request.user, current)
    context = {
        "encounter": current,
        "patient": current.patient,
        "form": form,
        "prescription_form": PrescriptionForm(),
        "prescriptions": current.prescriptions.all(),
        "editable": editable,
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
    form = PrescriptionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Prescription not added: "
            + "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()),
        )
        return redirect("encounter", pk=pk)
    return _act(request, pk, services.prescription_add, "Prescription added.", **form.cleaned_data)


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
            "prescriptions": current.prescriptions.all(),
            "printed_at": timezone.now(),
            "hospital": {"name": settings.HOSPITAL_NAME, "address": settings.HOSPITAL_ADDRESS},
        },
    )
    return pdf_response(html, f"prescription-{current.patient.mrn}-{current.pk}.pdf")
