"""The hospital's drug interaction table (pharmacist, administrator): the list, adding a pair,
deactivating one. The prescribing checks read it (clinical.prescribing)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinical import services as clinical
from clinical.models import DrugInteraction
from hms import paging, rbac
from hms.refusals import refuse_into
from pharmacy.formulary_forms import DrugInteractionForm

PER_PAGE = 50


@rbac.capability_required("pharmacy.formulary")
def interaction_list(request: HttpRequest) -> HttpResponse:
    """The table, active pairs first, paged with its count; a posted form adds a pair."""
    form = DrugInteractionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pair = clinical.drug_interaction_add(
                actor=request.user, request=request, **form.cleaned_data
            )
        except clinical.AllergyError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, f"Interaction saved: {pair}.")
            return redirect("interaction_list")
    rows = DrugInteraction.objects.order_by("-active", "first", "second")
    page = paging.page_of(request, rows, PER_PAGE)
    return render(request, "pharmacy/interactions.html", {"form": form, "page": page})


@rbac.capability_required("pharmacy.formulary", post_only=True)
@require_POST
def interaction_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(DrugInteraction, pk=pk)
    try:
        clinical.drug_interaction_deactivate(actor=request.user, interaction=pair, request=request)
    except clinical.AllergyError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"No longer warned: {pair}.")
    return redirect("interaction_list")
