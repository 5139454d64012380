"""Screens of the stores: stock levels and an item's batches and history (every role that sees
stock), the alerts panel, stores and suppliers, receipts, transfers, adjustments, write-offs and
stock takes (pharmacist, admin), and a ward store's page where a nurse receives a transfer and
records the ward's use."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from hms.refusals import Refusal, act, refuse_into
from hms.submissions import AlreadySubmitted
from pharmacy import selectors, services
from pharmacy.models import (
    Batch,
    StockTake,
    StockTakeStatus,
    Store,
    StoreKind,
    Supplier,
    Transfer,
    TransferStatus,
)
from pharmacy.stock_forms import (
    LINE_KWARGS,
    AdjustForm,
    ReceiptForm,
    ReceiptLines,
    StockTakeForm,
    StoreChoiceForm,
    StoreForm,
    SupplierForm,
    TransferForm,
    TransferLines,
    WardUseForm,
    filled_lines,
    with_another_line,
)

VIEW = "pharmacy.stock_view"
MOVE = "pharmacy.stock_move"
WHOLE = {rbac.ALL}
WARD = {rbac.ALL, rbac.WARD_STOCK}
LEVELS_PAGE = 50


def _fragment(request: HttpRequest, template: str, target: str) -> str:
    return f"{template}#{target}" if request.htmx and request.htmx.target == target else template


# --- stock levels, an item's page, the alerts ---------------------------------------------------


@rbac.capability_required(VIEW)
def stock_levels(request: HttpRequest) -> HttpResponse:
    """Every item with its unexpired units per store and in all, searched, paged."""
    q = params.search_text(request.GET.get("q"))
    low = request.GET.get("low") == "1"
    stores = selectors.active_stores()
    number = paging.page_number(request)
    rows, count = selectors.stock_level_rows(
        stores=stores, q=q, low_only=low, number=number, per_page=LEVELS_PAGE
    )
    page = paging.page_at(rows, LEVELS_PAGE, number, count=count)
    if not isinstance(rows, list):
        page.object_list = selectors.with_figures(page.object_list, stores)
    context = {"page": page, "stores": stores, "q": q, "low": low}
    return render(request, _fragment(request, "pharmacy/stock/levels.html", "levels"), context)


@rbac.capability_required(VIEW)
def stock_item(request: HttpRequest, pk: int) -> HttpResponse:
    """An item's batches per store (expired ones marked) and its ledger, paged."""
    item = selectors.formulary_item(pk)
    if item is None:
        raise Http404("No such formulary item.")
    history = selectors.item_history_page(item, paging.page_number(request))
    context = {"item": item, "batches": selectors.item_batches(item), "page": history}
    return render(request, "pharmacy/stock/item.html", context)


@rbac.capability_required(VIEW)
def stock_alerts(request: HttpRequest) -> HttpResponse:
    """The alerts panel (a fragment the stock pages and the pharmacist's dashboard load)."""
    return render(request, "pharmacy/stock/_alerts.html", {"alerts": selectors.alerts()})


# --- stores and suppliers ---------------------------------------------------------------------


@rbac.capability_required(MOVE, scopes=WHOLE)
def store_list(request: HttpRequest) -> HttpResponse:
    stores = Store.objects.select_related("ward").order_by("kind", "name")
    page = paging.page_of(request, stores, 50)
    return render(request, "pharmacy/stock/stores.html", {"page": page})


@rbac.capability_required(MOVE, scopes=WHOLE)
def supplier_list(request: HttpRequest) -> HttpResponse:
    page = paging.page_of(request, Supplier.objects.order_by("name"), 50)
    return render(request, "pharmacy/stock/suppliers.html", {"page": page})


def _save_page(request: HttpRequest, form, action, *, then: str, title: str, **record):
    if request.method == "POST" and form.is_valid():
        try:
            action(actor=request.user, request=request, **record, **form.answers())
        except Refusal as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Saved.")
            return redirect(then)
    return render(request, "pharmacy/stock/simple_form.html", {"form": form, "title": title})


@rbac.capability_required(MOVE, scopes=WHOLE)
def store_new(request: HttpRequest) -> HttpResponse:
    form = StoreForm(request.POST or None)
    return _save_page(request, form, services.store_save, then="store_list", title="New store")


@rbac.capability_required(MOVE, scopes=WHOLE)
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_object_or_404(Store, pk=pk)
    initial = {"name": store.name, "kind": store.kind, "ward": store.ward, "active": store.active}
    form = StoreForm(request.POST or None, initial=initial)
    return _save_page(
        request, form, services.store_save, then="store_list", title=str(store), store=store
    )


@rbac.capability_required(MOVE, scopes=WHOLE)
def supplier_new(request: HttpRequest) -> HttpResponse:
    form = SupplierForm(request.POST or None)
    return _save_page(
        request, form, services.supplier_save, then="supplier_list", title="New supplier"
    )


@rbac.capability_required(MOVE, scopes=WHOLE)
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk)
    initial = {"name": supplier.name, "phone": supplier.phone, "active": supplier.active}
    form = SupplierForm(request.POST or None, initial=initial)
    return _save_page(
        request,
        form,
        services.supplier_save,
        then="supplier_list",
        title=str(supplier),
        supplier=supplier,
    )


# --- documents with lines: receipts and transfers ---------------------------------------------


def _lines_posted(request: HttpRequest, form, formset, service, **fixed):
    """Carry out a document with lines: (the document, None) or (None, the page's forms with the
    refusal beside its field, on its line when it is about one)."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    filled = filled_lines(formset)
    try:
        return service(
            actor=request.user,
            request=request,
            lines=[line.line() for _, line in filled],
            **form.cleaned_data,
            **fixed,
        )
    except services.LineError as refusal:
        index, line = filled[refusal.line]
        refuse_into(line, refusal)
    except Refusal as refusal:
        refuse_into(form, refusal)
    return None


def _document_page(
    request: HttpRequest, form_class, lines_class, service, template: str, detail: str
):
    if request.method != "POST":
        context = {"form": form_class(), "lines": lines_class(form_kwargs=LINE_KWARGS)}
        return render(request, template, context)
    if "add_line" in request.POST:
        data, lines = with_another_line(request.POST, lines_class)
        form = form_class(data)
        form._errors = ErrorDict()
        return render(request, template, {"form": form, "lines": lines})
    form, lines = form_class(request.POST), lines_class(request.POST, form_kwargs=LINE_KWARGS)
    try:
        document = _lines_posted(request, form, lines, service)
    except AlreadySubmitted as done:
        document = done.result
    if document is not None:
        messages.success(request, f"{document.number} saved.")
        return redirect(detail, pk=document.pk)
    return render(request, template, {"form": form, "lines": lines})


@rbac.capability_required(MOVE, scopes=WHOLE)
def receipt_list(request: HttpRequest) -> HttpResponse:
    page = paging.page_of(request, selectors.receipts(), 25)
    return render(request, "pharmacy/stock/receipts.html", {"page": page})


@rbac.capability_required(MOVE, scopes=WHOLE)
def receipt_new(request: HttpRequest) -> HttpResponse:
    """A goods received note: the supplier's invoice and its lines (item, batch, expiry,
    quantity, unit cost); "Add a line" posts back with one more."""
    return _document_page(
        request,
        ReceiptForm,
        ReceiptLines,
        services.receipt_record,
        "pharmacy/stock/receipt_new.html",
        "receipt_detail",
    )


@rbac.capability_required(MOVE, scopes=WHOLE)
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = get_object_or_404(selectors.receipts(), pk=pk)
    context = {"receipt": receipt, "movements": selectors.receipt_movements(receipt)}
    return render(request, "pharmacy/stock/receipt_detail.html", context)


@rbac.capability_required(MOVE, scopes=WHOLE)
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Transfers, those waiting to be received first; live as stores send and receive."""
    page = paging.page_of(request, selectors.transfers(), 25)
    context = {"page": page, "stores": selectors.active_stores()}
    return render(
        request, _fragment(request, "pharmacy/stock/transfers.html", "transfers"), context
    )


@rbac.capability_required(MOVE, scopes=WHOLE)
def transfer_new(request: HttpRequest) -> HttpResponse:
    return _document_page(
        request,
        TransferForm,
        TransferLines,
        services.transfer_send,
        "pharmacy/stock/transfer_new.html",
        "transfer_detail",
    )


def _transfer_for(request: HttpRequest, pk: int) -> Transfer:
    """A transfer the person may see: any, or for a nurse one into a ward store."""
    transfer = get_object_or_404(
        Transfer.objects.select_related("from_store", "to_store", "sent_by", "received_by"), pk=pk
    )
    whole = rbac.allows(request.user, MOVE, scopes=WHOLE)
    if not whole and transfer.to_store.kind != StoreKind.WARD:
        raise PermissionDenied
    return transfer


@rbac.capability_required(MOVE, scopes=WARD)
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _transfer_for(request, pk)
    lines = transfer.lines.select_related("batch", "batch__item")
    return render(request, "pharmacy/stock/transfer.html", {"transfer": transfer, "lines": lines})


@rbac.capability_required(MOVE, scopes=WARD, post_only=True)
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _transfer_for(request, pk)
    if transfer.status == TransferStatus.RECEIVED:
        messages.info(request, f"{transfer.number} was received already by {transfer.received_by}.")
        return redirect(params.safe_next(request, "transfer_detail", pk=transfer.pk))
    return act(
        request,
        services.transfer_receive,
        done=f"{transfer.number} received: the stock is in {transfer.to_store}.",
        then=params.safe_next(request, "transfer_detail", pk=transfer.pk),
        transfer=transfer,
    )


# --- ward stores (nurses) -----------------------------------------------------------------------


@rbac.capability_required(MOVE, scopes=WARD)
def ward_stores(request: HttpRequest) -> HttpResponse:
    stores = paging.page_of(request, selectors.ward_stores().order_by("name"), 50)
    return render(request, "pharmacy/stock/ward_stores.html", {"page": stores})


def _ward_store(pk: int) -> Store:
    return get_object_or_404(Store.objects.select_related("ward"), pk=pk, kind=StoreKind.WARD)


def _ward_page(request: HttpRequest, store: Store, form: WardUseForm | None = None):
    context = {
        "store": store,
        "waiting": selectors.waiting_for(store),
        "page": paging.page_of(request, selectors.store_stock(store), 50),
        "form": form or WardUseForm(store=store),
        "today": timezone.localdate(),
    }
    template = _fragment(request, "pharmacy/stock/ward_store.html", "waiting")
    return render(request, template, context)


@rbac.capability_required(MOVE, scopes=WARD)
def ward_store(request: HttpRequest, pk: int) -> HttpResponse:
    """A ward store: transfers waiting to be received (live), what it holds, the ward's use."""
    return _ward_page(request, _ward_store(pk))


@rbac.capability_required(MOVE, scopes=WARD, post_only=True)
@require_POST
def ward_use(request: HttpRequest, pk: int) -> HttpResponse:
    store = _ward_store(pk)
    form = WardUseForm(request.POST, store=store)
    if form.is_valid():
        try:
            services.ward_use_record(
                actor=request.user, request=request, store=store, **form.answers()
            )
        except Refusal as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Recorded.")
            return redirect("ward_store", pk=store.pk)
    return _ward_page(request, store, form)


# --- adjustments, write-offs, stock takes -----------------------------------------------------


@rbac.capability_required(MOVE, scopes=WHOLE)
def stock_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a store's figure of a batch, with the reason; or write off an expired batch."""
    batch = get_object_or_404(Batch.objects.select_related("item"), pk=pk)
    form = AdjustForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            services.stock_adjust(
                actor=request.user, request=request, batch=batch, **form.answers()
            )
        except Refusal as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Adjusted.")
            return redirect("stock_item", pk=batch.item_id)
    return render(request, "pharmacy/stock/adjust.html", {"form": form, "batch": batch})


@rbac.capability_required(MOVE, scopes=WHOLE, post_only=True)
@require_POST
def stock_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.select_related("item"), pk=pk)
    form = StoreChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the store to write the batch off from.")
        return redirect("stock_item", pk=batch.item_id)
    return act(
        request,
        services.expired_write_off,
        done=f"Batch {batch.batch_number} written off.",
        then=params.safe_next(request, "stock_item", pk=batch.item_id),
        store=form.cleaned_data["store"],
        batch=batch,
    )


@rbac.capability_required(MOVE, scopes=WHOLE)
def stock_take_list(request: HttpRequest) -> HttpResponse:
    page = paging.page_of(request, selectors.stock_takes(), 25)
    return render(
        request, "pharmacy/stock/stock_takes.html", {"page": page, "form": StoreChoiceForm()}
    )


@rbac.capability_required(MOVE, scopes=WHOLE, post_only=True)
@require_POST
def stock_take_start(request: HttpRequest) -> HttpResponse:
    form = StoreChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the store to count.")
        return redirect("stock_take_list")
    try:
        take = services.stock_take_start(actor=request.user, request=request, **form.cleaned_data)
    except AlreadySubmitted as done:
        take = done.result
    except Refusal as refusal:
        messages.error(request, str(refusal))
        return redirect("stock_take_list")
    return redirect("stock_take", pk=take.pk)


@rbac.capability_required(MOVE, scopes=WHOLE)
def stock_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Count a store: large inputs per batch, the variance against the ledger now; "Save" keeps
    the counts, "Post" adjusts every differing line with its reason."""
    take = get_object_or_404(StockTake.objects.select_related("store"), pk=pk)
    lines = selectors.stock_take_lines(take)
    form = StockTakeForm(request.POST or None, lines=lines)
    if request.method == "POST" and take.status == StockTakeStatus.OPEN and form.is_valid():
        posting = "post" in request.POST
        action = services.stock_take_post if posting else services.stock_take_save
        try:
            action(actor=request.user, request=request, stock_take=take, counts=form.counts())
        except services.LineError as refusal:
            form.add_error(f"{refusal.field}_{lines[refusal.line].pk}", str(refusal))
        except Refusal as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Posted: the figures now equal the counts." if posting else "Counts kept."
            )
            return redirect("stock_take", pk=take.pk)
    return render(
        request, "pharmacy/stock/stock_take.html", {"take": take, "form": form, "lines": lines}
    )
