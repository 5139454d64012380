"""A patient's allergies: the list (with what was removed and why), recording one, stating "no
known allergies", removing one entered in error. Doctors and nurses (allergies.record)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinical import selectors, services
from clinical.forms import AllergyForm, AllergyRemoveForm
from clinical.models import Allergy, Patient
from hms import rbac
from hms.refusals import refuse_into


def _patient(request: HttpRequest, pk) -> Patient:
    patient = selectors.patient_for(request.user, pk)
    if patient is None:
        raise Http404("No such patient.")
    return patient


def _page(request: HttpRequest, patient: Patient, form: AllergyForm) -> HttpResponse:
    records = Allergy.objects.filter(patient=patient).select_related("recorded_by", "removed_by")
    context = {
        "patient": patient,
        "form": form,
        "allergies": [a for a in records if a.removed_at is None],
        "removed": [a for a in records if a.removed_at is not None],
        "remove_form": AllergyRemoveForm(),
    }
    return render(request, "clinical/patient_allergies.html", context)


@rbac.capability_required("allergies.record")
def patient_allergies(request: HttpRequest, pk) -> HttpResponse:
    """The allergies page; a posted form records one (refused: the reason beside its field)."""
    patient = _patient(request, pk)
    form = AllergyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            allergy = services.allergy_record(
                actor=request.user, patient=patient, request=request, **form.cleaned_data
            )
        except services.AllergyError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, f"Allergy recorded: {allergy.name}.")
            return redirect("patient_allergies", pk=patient.pk)
    return _page(request, patient, form)


@rbac.capability_required("allergies.record", post_only=True)
@require_POST
def patient_no_known_allergies(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient(request, pk)
    try:
        services.patient_no_known_allergies(actor=request.user, patient=patient, request=request)
    except services.AllergyError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Recorded: no known allergies.")
    return redirect("patient_allergies", pk=patient.pk)


@rbac.capability_required("allergies.record", post_only=True)
@require_POST
def allergy_remove(request: HttpRequest, pk: int) -> HttpResponse:
    allergy = get_object_or_404(Allergy, pk=pk)
    patient = _patient(request, allergy.patient_id)
    form = AllergyRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the allergy is removed, e.g. entered in error.")
        return redirect("patient_allergies", pk=patient.pk)
    try:
        services.allergy_remove(
            actor=request.user, allergy=allergy, reason=form.cleaned_data["reason"], request=request
        )
    except services.AllergyError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Allergy removed: {allergy.name}.")
    return redirect("patient_allergies", pk=patient.pk)
