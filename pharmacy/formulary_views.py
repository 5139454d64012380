"""The formulary's screens: the list (search as you type, filters, stock on hand), add and edit
an item; and the prescriber's item search, an htmx fragment the consultation screen asks for."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clinical import selectors as clinical_selectors
from clinical import services as clinical_services
from hms import paging, params, rbac
from hms.refusals import refuse_into
from pharmacy import formulary_selectors as selectors
from pharmacy import services
from pharmacy.formulary_forms import ACTIVE_CHOICES, FormularyItemForm, filters_from
from pharmacy.models import FormularyItem, ItemCategory, ItemForm

ITEMS_PER_PAGE = 50


@rbac.capability_required("pharmacy.formulary")
def formulary_list(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    number = paging.page_number(request)
    rows, count = selectors.formulary_rows(filters, number=number, per_page=ITEMS_PER_PAGE)
    page = paging.page_at(rows, ITEMS_PER_PAGE, number, count=count)
    context = {
        "page": page,
        "items": page.object_list,
        "filters": filters,
        "categories": ItemCategory.choices,
        "forms": ItemForm.choices,
        "active_choices": ACTIVE_CHOICES,
    }
    template = "pharmacy/formulary/list.html"
    if request.htmx and request.htmx.target == "formulary-items":
        template += "#items"
    return render(request, template, context)


def _save(request: HttpRequest, form: FormularyItemForm, item: FormularyItem | None):
    """Call the service with the form's answers; a refusal lands beside its field."""
    try:
        return services.formulary_item_save(
            actor=request.user, item=item, request=request, **form.answers()
        )
    except services.PharmacyError as refusal:
        refuse_into(form, refusal)
        return None


@rbac.capability_required("pharmacy.formulary")
def formulary_add(request: HttpRequest) -> HttpResponse:
    form = FormularyItemForm(request.POST or None)
    item = _save(request, form, None) if request.method == "POST" and form.is_valid() else None
    if item is not None:
        messages.success(request, f"{item.name} added to the formulary.")
        return redirect("formulary_list")
    return render(request, "pharmacy/formulary/form.html", {"form": form, "item": None})


@rbac.capability_required("pharmacy.formulary")
def formulary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(FormularyItem.objects.select_related("charge_item"), pk=pk)
    form = FormularyItemForm(
        request.POST or None,
        instance=FormularyItem.objects.select_related("charge_item").get(pk=pk),
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, item) is not None:
        messages.success(request, "Saved. Medicines already dispensed keep their price.")
        return redirect("formulary_list")
    history = paging.first_of(
        item.charge_item.price_changes.select_related("changed_by").order_by("-changed_at", "-id"),
        5,
    )
    return render(
        request, "pharmacy/formulary/form.html", {"form": form, "item": item, "history": history}
    )


@rbac.capability_required("pharmacy.stock_view")
def formulary_pick(request: HttpRequest) -> HttpResponse:
    """The prescriber's search (`q`): active items whose generic name or brand holds the text,
    with the unexpired units the pharmacy holds; a fragment for the consultation screen."""
    text = params.search_text(request.GET.get("q") or request.GET.get("drug"), limit=60)
    found = selectors.items_to_prescribe(text)
    # The patient prescribed for (`pick_patient`): items their allergies would stop are marked.
    patient = clinical_selectors.patient_for(request.user, request.GET.get("pick_patient"))
    marked = (
        clinical_services.allergies_against_items(patient=patient, items=found)
        if patient is not None and text
        else {}
    )
    for item in found:
        item.allergy = marked.get(item.pk, "")
    return render(request, "pharmacy/formulary/_pick.html", {"found": found, "text": text})
