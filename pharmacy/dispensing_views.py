"""Screens of the dispensing counter (pharmacist, admin): the live queue, dispensing one
prescription, a dispense and its returns, the label, a patient's dispense history, and
over-the-counter sales with their receipts."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinical.models import Patient
from hms import paging, params, rbac
from hms.form_renderer import options_read
from hms.money import ZERO, money, money_text, percent_of
from hms.pdf import pdf_response
from hms.refusals import Refusal, refuse_into
from pharmacy import dispensing_selectors as selectors
from pharmacy import services
from pharmacy.dispensing_forms import DispenseForm, ReturnForm, SaleForm, SaleLineFormSet
from pharmacy.models import (
    FormularyItem,
    MovementKind,
    Sale,
    StockBalance,
    StockMovement,
)
from pharmacy.services.dispensing import batches_given, pharmacy_stores
from pharmacy.units import in_units

DISPENSE = "pharmacy.dispense"


def _hospital() -> dict:
    return {"name": settings.HOSPITAL_NAME, "address": settings.HOSPITAL_ADDRESS}


# --- the queue ---------------------------------------------------------------------------------


@rbac.capability_required(DISPENSE)
def dispense_queue(request: HttpRequest) -> HttpResponse:
    """Prescriptions waiting, oldest first, a page at a time with their count; live."""
    # The first page's rows are read by a query compiled once; that page only counts the list
    # (when it is longer than a page), and waiting() counts the same rows as queue() without
    # building its joins, subqueries and prefetch.
    first = paging.page_number(request) == 1
    page = paging.page_of(
        request,
        selectors.waiting() if first else selectors.queue(),
        selectors.QUEUE_PAGE,
        first_rows=selectors.queue_first_rows,
    )
    context = {"page": page, "rows": page.object_list}
    if request.htmx and request.htmx.target == "dispense-queue":
        return render(request, "pharmacy/dispensing/queue.html#queue", context)
    return render(request, "pharmacy/dispensing/queue.html", context)


@rbac.capability_required(DISPENSE)
def pharmacy_summary(request: HttpRequest) -> HttpResponse:
    """The pharmacist's home panel: the queue's count and the latest sales (live)."""
    context = {
        "waiting": selectors.waiting().count(),
        "recent_sales": paging.first_of(selectors.sales(), 5, capped=True),
    }
    return render(request, "pharmacy/dispensing/_summary.html", context)


# --- dispensing one prescription ---------------------------------------------------------------


def _dispense_form(request: HttpRequest, prescription, data=None) -> tuple[DispenseForm, dict]:
    # Each select's rows are read once, by queries compiled once: the page needs them anyway (the
    # store chosen, the item's charge, the units on the shelf), and its selects list the same
    # rows. A posted form checks each choice against its queryset, in the database, as before.
    store_rows = selectors.pharmacy_store_rows(prescription)
    source = data if data is not None else request.GET
    store_id = params.db_id(source.get("store"))
    store = next((row for row in store_rows if row.pk == store_id), None)
    store = store or (store_rows[0] if store_rows else None)
    query = (request.GET.get("q") or "").strip()[:60]
    prescribed = prescription.formulary_item
    chosen = params.db_id(source.get("item"))
    item_rows = selectors.item_rows_to_give(store, prescribed, chosen=chosen, query=query)
    offered = {row.pk: row for row in item_rows}
    item = offered.get(chosen) or offered[prescribed.pk]
    balance_rows = selectors.usable_batch_rows(store, item) if store is not None else []
    initial = {
        "store": store,
        "item": item,
        "quantity": min(prescription.to_dispense, _on_shelf(balance_rows)) or None,
    }
    checked = {}
    if data is not None:
        checked = {
            "stores": selectors.pharmacy_stores(read=False),
            "items": selectors.items_to_give(
                store, prescribed, chosen=chosen, query=query, shown=selectors.SUBSTITUTES_SHOWN
            ),
            "balances": (
                selectors.usable_batches(store, item)
                if store is not None
                else StockBalance.objects.none()
            ),
        }
    form = DispenseForm(data, initial=initial, **checked)
    options_read(form.fields["store"], store_rows)
    options_read(form.fields["item"], item_rows)
    options_read(form.fields["balance"], balance_rows)
    here = reverse("dispense_new", args=[prescription.pk])
    # Choosing another item shows its batches and its charge at once (the rest of the form, and
    # what was typed in it, stays as it is).
    form.fields["item"].widget.attrs.update(
        {
            "hx-get": here,
            "hx-trigger": "change",
            "hx-include": "closest form",
            "hx-target": "#shelf",
            "hx-select": "#shelf",
            "hx-select-oob": "#batch-choice,#charge-preview",
            "hx-swap": "outerHTML",
        }
    )
    # Typing the quantity shows what the charge will be (only the preview is redrawn).
    form.fields["quantity"].widget.attrs.update(
        {
            "hx-get": here,
            "hx-trigger": "input changed delay:300ms, change",
            "hx-include": "closest form",
            "hx-target": "#charge-preview",
            "hx-select": "#charge-preview",
            "hx-swap": "outerHTML",
        }
    )
    return form, {
        "store": store,
        "several_stores": len(store_rows) > 1,
        "item": item,
        "balances": balance_rows,
        "query": query,
        "more_matches": item_rows[0].more_matches,
        "here": here,
    }


def _on_shelf(balances) -> int:
    return sum(balance.quantity for balance in balances)


@rbac.capability_required(DISPENSE)
def dispense_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Dispense one prescription: who it is for, what was written, what is left, the batches on
    the shelf (first to expire first), the item to give and how many, and the charge."""
    prescription = selectors.prescription_for_dispensing(pk)
    if prescription is None or prescription.formulary_item_id is None:
        raise Http404("No such prescription to dispense.")
    data = request.POST if request.method == "POST" else None
    form, found = _dispense_form(request, prescription, data)
    if data is not None and form.is_valid():
        balance = form.cleaned_data["balance"]
        try:
            record = services.dispense(
                actor=request.user,
                prescription=prescription,
                quantity=form.cleaned_data["quantity"],
                item=form.cleaned_data["item"],
                substitution_reason=form.cleaned_data["substitution_reason"],
                batch=balance.batch if balance else None,
                batch_choice_reason=form.cleaned_data["batch_choice_reason"],
                store=form.cleaned_data["store"],
                request=request,
            )
        except Refusal as refusal:
            refuse_into(form, _on_form(refusal))
        else:
            messages.success(
                request,
                f"Dispensed {in_units(record.quantity, record.item.dispensing_unit)}: {record}.",
            )
            return redirect("dispense_detail", pk=record.pk)
    patient = prescription.patient
    today = timezone.localdate()
    item = found["item"]
    quantity = form["quantity"].value() if data is not None else None
    quantity = quantity or request.GET.get("quantity") or form["quantity"].value()
    quantity = params.db_id(str(quantity)) if quantity not in (None, "") else None
    context = {
        "form": form,
        "prescription": prescription,
        "patient": patient,
        "age": patient.age_text_on(today),
        # An inpatient's ward and bed come with the prescription (ward_name, bed_number).
        "inpatient": prescription.ward_name is not None,
        "item": item,
        "balances": found["balances"],
        "query": found["query"],
        "more_matches": found["more_matches"],
        "store": found["store"],
        "several_stores": found["several_stores"],
        "charge": _charge_preview(item, quantity),
        "today": today,
        "here": found["here"],
    }
    return render(request, "pharmacy/dispensing/dispense.html", context)


def _on_form(refusal: Refusal) -> Refusal:
    """The service names the picked batch "batch"; the form's field is "balance"."""
    if refusal.field == "batch":
        refusal.field = "balance"
    return refusal


def _charge_preview(item: FormularyItem, quantity: int | None) -> dict | None:
    if not quantity:
        return None
    price = money(item.charge_item.price)
    amount = money(price * quantity)
    tax = percent_of(amount, item.charge_item.tax_rate)
    return {"price": price, "quantity": quantity, "amount": amount, "tax": tax}


@rbac.capability_required(DISPENSE)
def dispense_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dispense: what was given from which batches, its charge, its label, what is left of
    the prescription, and the return form."""
    record = selectors.dispense_detail(pk)
    if record is None:
        raise Http404("No such dispense.")
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispense_return(
                actor=request.user,
                dispense=record,
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except Refusal as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(
                request,
                f"{in_units(form.cleaned_data['quantity'], record.item.dispensing_unit)} back on the shelf;"
                " the charge is reversed for them.",
            )
            return redirect("dispense_detail", pk=record.pk)
    context = {
        "record": record,
        "batches": batches_given(record),
        "returns": [
            # What each return took off the bill: its units at the price they were charged at.
            (back, money(back.quantity * record.unit_price))
            for back in record.returns.select_related("returned_by")
        ],
        "form": form,
        "can_return": record.quantity - record.returned_quantity,
        "prescription": record.prescription,
    }
    return render(request, "pharmacy/dispensing/detail.html", context)


@rbac.capability_required(DISPENSE)
def dispense_label(request: HttpRequest, pk: int) -> HttpResponse:
    """The label stuck on what was handed over (70 × 40 mm): patient, drug, how to take it,
    quantity, batches and expiry, date, who dispensed."""
    record = selectors.dispense_detail(pk)
    if record is None:
        raise Http404("No such dispense.")
    batches = [
        row.batch
        for row in StockMovement.objects.filter(dispense=record, kind=MovementKind.DISPENSE)
        .select_related("batch")
        .order_by("batch__expiry_date", "batch_id")
    ]
    html = render_to_string(
        "pharmacy/dispensing/label_pdf.html",
        {
            "record": record,
            "rx": record.prescription,
            "batches": list(dict.fromkeys(batches)),
            "hospital": _hospital(),
        },
    )
    return pdf_response(html, f"label-{record.number}.pdf")


@rbac.capability_required(DISPENSE)
def patient_dispenses(request: HttpRequest, pk) -> HttpResponse:
    """Everything dispensed to a patient, the latest first, each with its label and "Return"."""
    patient = Patient.objects.filter(pk=params.uuid_param(str(pk))).first()
    if patient is None:
        raise Http404("No such patient.")
    page = paging.page_of(request, selectors.dispenses_of(patient.pk), selectors.HISTORY_PAGE)
    waiting = selectors.queue().filter(patient=patient)
    context = {"patient": patient, "page": page, "rows": page.object_list, "waiting": waiting}
    return render(request, "pharmacy/dispensing/patient.html", context)


# --- over-the-counter sales --------------------------------------------------------------------


@rbac.capability_required(DISPENSE)
def sale_list(request: HttpRequest) -> HttpResponse:
    """Over-the-counter sales, the latest first, paged with their count."""
    page = paging.page_of(request, selectors.sales(), selectors.SALES_PAGE)
    return render(
        request, "pharmacy/dispensing/sales.html", {"page": page, "rows": page.object_list}
    )


@rbac.capability_required(DISPENSE)
def sale_new(request: HttpRequest) -> HttpResponse:
    """Sell over the counter: a few lines (item, quantity), how it was paid, then the receipt."""
    stores = pharmacy_stores()
    items = (
        selectors.items_in_stock(stores[0]) if stores else FormularyItem.objects.none()
    ).select_related("charge_item")
    data = request.POST if request.method == "POST" else None
    form = SaleForm(data)
    lines = SaleLineFormSet(data, prefix="line", form_kwargs={"items": items})
    if request.htmx and request.htmx.target == "sale-total":
        # The running total as the cashier types: htmx asks on every change, the lines typed
        # so far in the query; only the total is drawn again.
        typed = SaleLineFormSet(request.GET, prefix="line", form_kwargs={"items": items})
        price = services.sale_price(_priced_lines(typed))
        return render(request, "pharmacy/dispensing/sale_new.html#sale-total", {"price": price})
    price = services.sale_price(_priced_lines(lines)) if data is not None else None
    if data is not None and "preview" in data:  # "Work out the total" without JavaScript
        return render(
            request, "pharmacy/dispensing/sale_new.html", _sale_page(form, lines, price, stores)
        )
    if data is not None and form.is_valid() and lines.is_valid():
        chosen = [
            (line["item"], line["quantity"]) for line in lines.cleaned_data if line.get("item")
        ]
        if not chosen:
            form.add_error(None, "Add at least one item to sell.")
        else:
            try:
                sale = services.sale_record(
                    actor=request.user,
                    customer_name=form.cleaned_data["customer_name"],
                    customer_phone=form.cleaned_data["customer_phone"],
                    lines=chosen,
                    payment_mode=form.cleaned_data["payment_mode"],
                    payment_reference=form.cleaned_data["payment_reference"],
                    request=request,
                )
            except Refusal as refusal:
                refuse_into(form, refusal)
            else:
                messages.success(request, f"Sale {sale.number} recorded: {money_text(sale.total)}.")
                return redirect("sale_detail", pk=sale.pk)
    return render(
        request, "pharmacy/dispensing/sale_new.html", _sale_page(form, lines, price, stores)
    )


def _priced_lines(lines) -> list[tuple[FormularyItem, int]]:
    """The (item, quantity) of the lines typed well so far (a line still being typed, or
    refused, is left out of the running total: it is not what would be recorded)."""
    if not lines.is_bound or not lines.management_form.is_valid():
        return []
    return [
        (line.cleaned_data["item"], line.cleaned_data["quantity"])
        for line in lines.forms
        if line.is_valid() and line.cleaned_data.get("item") and line.cleaned_data.get("quantity")
    ]


def _sale_page(form, lines, price, stores) -> dict:
    """The sale page's context; each line's item and quantity ask for the running total."""
    asks = {
        "hx-get": reverse("sale_new"),
        "hx-trigger": "input changed delay:300ms, change",
        "hx-include": "closest form",
        "hx-target": "#sale-total",
        "hx-swap": "outerHTML",
        # One question at a time, the newest waiting its turn: an older answer (the line before
        # its quantity was typed) never lands over the newer total.
        "hx-sync": "closest form:queue last",
    }
    for line in lines.forms:
        for name in ("item", "quantity"):
            line.fields[name].widget.attrs.update(asks)
    return {"form": form, "lines": lines, "price": price, "no_store": not stores}


def _sale(pk: int) -> Sale:
    sale = Sale.objects.select_related("sold_by", "store").filter(pk=pk).first()
    if sale is None:
        raise Http404("No such sale.")
    return sale


@rbac.capability_required(DISPENSE)
def sale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sale = _sale(pk)
    lines = sale.lines.select_related("item")
    return render(request, "pharmacy/dispensing/sale.html", {"sale": sale, "lines": lines})


@rbac.capability_required(DISPENSE)
def sale_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's receipt as a PDF (a narrow till slip)."""
    sale = _sale(pk)
    html = render_to_string(
        "pharmacy/dispensing/receipt_pdf.html",
        {
            "sale": sale,
            "lines": sale.lines.select_related("item"),
            "hospital": _hospital(),
            "zero": ZERO,
        },
    )
    return pdf_response(html, f"receipt-{sale.number}.pdf")
