"""Billing screens: the charge master (admin), a patient's account and invoices (the billing
desk), insurance claims, and the desk's panel on the dashboards."""

from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from billing import documents, selectors, services
from billing.forms import (
    ChargeItemForm,
    ClaimApproveForm,
    ClaimFilterForm,
    ClaimPaymentForm,
    ClaimRejectForm,
    CreditNoteForm,
    DepositForm,
    DischargeExemptionForm,
    DiscountForm,
    ManualChargeForm,
    PaymentForm,
    RefundForm,
    ReverseForm,
    ReversePaymentForm,
    VoidForm,
)
from billing.models import (
    AdvanceDeposit,
    AdvanceRefund,
    Charge,
    ChargeItem,
    ClaimStatus,
    CreditNote,
    InsuranceClaim,
    Invoice,
    Payment,
    PaymentMode,
    Refund,
    RefundMethod,
)
from billing.selectors import (
    ACCOUNT_LISTS,
    CREDIT_LINK,
    DEPOSIT_LINK,
    DEPOSIT_REFUND_LINK,
    INVOICE_LINK,
    RECEIPT_LINK,
    REFUND_LINK,
    credit_note_pdf_url,  # noqa: F401 (the documents' links, asked of this module too)
    deposit_pdf_url,  # noqa: F401
    invoice_pdf_url,
    receipt_pdf_url,  # noqa: F401
)
from clinical import selectors as clinical
from hms import files, paging, params, rbac
from hms.concurrent_edits import merged_note
from hms.money import ZERO, money_text
from hms.pdf import pdf_response
from hms.refusals import act, refuse_into

DESK = {rbac.ALL}
PER_PAGE = 50


def _page(
    request: HttpRequest,
    rows,
    per_page: int = PER_PAGE,
    *,
    count: int | None = None,
    first_rows: Callable[[], list] | None = None,
):
    """The page of `rows` the request asks for, counted over every row (hms.paging) unless the
    `count` is known; `first_rows` reads the first page another way (hms.paging.page_at)."""
    return paging.page_of(request, rows, per_page, count=count, first_rows=first_rows)


@rbac.capability_required("billing.charge_master")
def charge_master(request: HttpRequest) -> HttpResponse:
    form = ChargeItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.charge_item_save(actor=request.user, request=request, **form.cleaned_data)
        except services.BillingError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, "Charge item added.")
            return redirect("charge_master")
    items = _page(request, ChargeItem.objects.order_by("category", "name", "id"))
    return render(request, "billing/charge_master.html", {"form": form, "page": items})


@rbac.capability_required("billing.charge_master")
def charge_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ChargeItem, pk=pk)
    form = ChargeItemForm(request.POST or None, instance=ChargeItem.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.charge_item_save(
                actor=request.user, item=item, request=request, **form.cleaned_data
            )
        except services.BillingError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(
                request, "Saved. Charges already posted keep their price." + merged_note(form)
            )
            return redirect("charge_master")
    history = _page(request, item.price_changes.select_related("changed_by"), 20)
    return render(
        request, "billing/charge_item_edit.html", {"form": form, "item": item, "history": history}
    )


def _patient(request: HttpRequest, pk):
    """The patient of the page; a merged record's is the record kept (what is posted to a merged
    record's old page, a deposit or a charge, goes to the record kept)."""
    patient = clinical.live_patient_for(request.user, pk)
    if patient is None:
        raise Http404("No such patient.")
    return patient


@rbac.capability_required("billing.invoices", scopes=DESK)
def patient_account(request: HttpRequest, pk) -> HttpResponse:
    """The patient's balance, and one of their lists (charges, invoices, credit notes, deposits),
    a page at a time with each list's count."""
    patient = _patient(request, pk)
    if str(patient.pk) != str(pk):  # a merged record's account is the record kept's
        messages.info(
            request, f"That record was merged into MRN {patient.mrn}: this is its account."
        )
        return redirect("patient_account", pk=patient.pk)
    showing = params.choice_param(request.GET.get("show"), ACCOUNT_LISTS) or "charges"
    return _account_page(request, patient, showing)


def _deposit_asked(request: HttpRequest) -> dict:
    """The deposit form's amount when a page sent the desk here to take one (`?deposit=1500`: a
    checked-in visit's fee); anything that is no amount is no suggestion."""
    try:
        amount = params.plain_decimal(
            request.GET.get("deposit"), places=2, max_digits=14, minimum=Decimal("0.01")
        )
    except params.ValueRefused:
        return {}
    return {"amount": amount}


def _account_page(request: HttpRequest, patient, showing: str, **refused) -> HttpResponse:
    """The account page; a refused form (`form=...`, `deposit_form=...`, `exemption_form=...`)
    keeps what was typed. The side forms, blank, are written by billing's account_forms tags."""
    context = selectors.account_page(patient, showing=showing)
    rows = context.pop("rows")
    number = paging.page_number(request)
    context |= {
        "page": paging.page_at(
            # The first page is read by `first_rows`: the list is built only for a later one.
            rows() if number > 1 else (),
            selectors.ACCOUNT_PAGE,
            number,
            count=context["counts"][showing],
            first_rows=context.pop("first_rows"),
        ),
        "can_reverse": rbac.allows(request.user, "billing.adjust"),
        "refund_methods": RefundMethod.choices,
        "deposit_asked": _deposit_asked(request).get("amount"),
    }
    if rbac.allows(request.user, "billing.exempt"):
        context["stays_to_exempt"] = stays = selectors.account_stays_to_exempt(context)
        if stays:
            context.setdefault("exemption_form", DischargeExemptionForm())
    context |= refused
    template = "billing/patient_account.html"
    if request.htmx and request.htmx.target == "account":
        template += "#account"
    return render(request, template, context)


@rbac.capability_required("billing.exempt", scopes=DESK, post_only=True)
@require_POST
def discharge_exemption(request: HttpRequest, pk) -> HttpResponse:
    """Let one stay of the patient end while they owe what they owe now, for the reason given.
    Sent from the account page, a refused reason shows beside its field; from the admission
    page's card (`next`), every refusal is said above the page it came from."""
    patient = _patient(request, pk)
    form = DischargeExemptionForm(request.POST)
    try:
        exemption = _exempt(request, patient, form)
    except services.BillingError as refused:
        if refused.field == "reason" and not request.POST.get("next"):
            if not form.errors:
                refuse_into(form, refused)
            return _account_page(request, patient, "charges", exemption_form=form)
        messages.error(request, str(refused))
    else:
        owing = money_text(exemption.amount)
        messages.success(request, f"Exempted: the stay may end with {owing} owing.")
    return redirect(params.safe_next(request, "patient_account", pk=patient.pk))


def _exempt(request: HttpRequest, patient, form: DischargeExemptionForm):
    """The exemption the form asks for; BillingError (field "reason" for the reason) otherwise."""
    if not form.is_valid():
        errors = " ".join(e for found in form.errors.values() for e in found)
        raise services.BillingError(errors, field="reason" if "reason" in form.errors else None)
    admission = patient.admissions.filter(pk=form.cleaned_data["admission"]).first()
    if admission is None:
        raise services.BillingError("That stay is not this patient's.")
    return services.discharge_exemption_grant(
        actor=request.user,
        patient=patient,
        admission=admission,
        reason=form.cleaned_data["reason"],
        request=request,
    )


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def advance_take(request: HttpRequest, pk) -> HttpResponse:
    """Take an advance deposit at the desk; refused, the account page again with the form as
    typed and the refusal beside its field."""
    patient = _patient(request, pk)
    form = DepositForm(request.POST)
    if form.is_valid():
        try:
            advance = services.advance_take(
                actor=request.user,
                patient=patient,
                amount=form.cleaned_data["amount"],
                mode=form.cleaned_data["mode"],
                reference=form.cleaned_data["reference"],
                again=form.cleaned_data["again"],
                request=request,
            )
        except services.BillingError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(
                request,
                f"Deposit received: receipt {advance.receipt_number},"
                f" {money_text(advance.amount)}, held on the account.",
            )
            return redirect(params.safe_next(request, "patient_account", pk=patient.pk))
    return _account_page(request, patient, "deposits", deposit_form=form)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def advance_refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Give back money of an advance deposit; refused, the account's deposits again with the
    form as typed and the reason beside its field."""
    advance = get_object_or_404(AdvanceDeposit.objects.select_related("patient"), pk=pk)
    patient = _patient(request, advance.patient_id)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            given_back = services.advance_refund(
                actor=request.user,
                advance=advance,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.BillingError as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(
                request,
                f"Refund {given_back.number}: {money_text(given_back.amount)} of deposit"
                f" {advance.receipt_number} given back by {given_back.get_method_display()}.",
            )
            return redirect(reverse("patient_account", args=[patient.pk]) + "?show=deposits")
    return _account_page(
        request, patient, "deposits", deposit_refund_form=form, deposit_refund_id=advance.pk
    )


@rbac.capability_required("billing.invoices", scopes=DESK)
def patient_statement(request: HttpRequest, pk) -> HttpResponse:
    """The patient's statement on screen, a page at a time (the PDF has every row). A date that
    is no date is said beside its box (the statement then runs from the start, or to today);
    from and to the wrong way round are swapped, and said so."""
    patient = _patient(request, pk)
    typed = params.period_typed(request.GET)
    date_from, date_to = typed.first, typed.last
    statement = selectors.account_statement(patient, date_from=date_from, date_to=date_to)
    context = {
        "typed": typed,
        "patient": patient,
        "statement": statement,
        "page": _page(request, statement.rows),
        "pdf_url": statement_pdf_url(patient, date_from, date_to),
        "currency": settings.HMS_CURRENCY,
    }
    return render(request, "billing/statement.html", context)


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def manual_charge(request: HttpRequest, pk) -> HttpResponse:
    """A service no other screen posts (a dressing, meals), on the stay's bill while the patient
    is admitted; refused, the account page again with what was typed and the reason beside it."""
    patient = _patient(request, pk)
    form = ManualChargeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # Billing reads the stay through the patient, never importing wards.
        stay = patient.admissions.filter(discharged_at__isnull=True).first()
        try:
            services.charge_post(
                actor=request.user,
                patient=patient,
                code=data["item"].code,
                quantity=data["quantity"],
                description=data["description"],
                admission=stay,
                source="manual",
                request=request,
            )
        except services.BillingError as refusal:
            refuse_into(form, refusal)
        else:
            on = " (on the stay's bill)" if stay else ""
            messages.success(request, f"Charged: {data['item'].name}{on}.")
            return redirect("patient_account", pk=patient.pk)
    return _account_page(request, patient, "charges", form=form)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def charge_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    charge = get_object_or_404(Charge, pk=pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for the reversal.")
    else:
        try:
            services.charge_reverse(
                actor=request.user,
                charge=charge,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.BillingError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Reversed: a negative line was added.")
    return redirect("patient_account", pk=charge.patient_id)


# --- invoices --------------------------------------------------------------------------------


def _invoice(pk: int, *, page: bool = False) -> Invoice:
    """The invoice or 404; `page`: with what its page shows (selectors.invoice_for_page)."""
    invoice = selectors.invoice_for_page(pk) if page else selectors.invoice_by_id(pk)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def invoice_create(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient(request, pk)
    try:
        invoice = services.invoice_draft(
            actor=request.user,
            patient=patient,
            admission=params.db_id(request.POST.get("admission")),
            request=request,
        )
    except services.BillingError as refusal:
        messages.error(request, str(refusal))
        return redirect("patient_account", pk=patient.pk)
    return redirect("invoice_detail", pk=invoice.pk)


@rbac.capability_required("billing.invoices", scopes=DESK)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_page(request, _invoice(pk, page=True))


def _invoice_page(request: HttpRequest, invoice: Invoice, **refused_forms) -> HttpResponse:
    """The invoice's page; a refused form (`pay_form=...`) shows its messages beside its fields
    and keeps what was typed."""
    credit_notes = selectors.credit_notes_of(invoice)
    context = selectors.invoice_page(
        request.user,
        invoice,
        lines=services.invoice_lines(invoice),
        figures=services.invoice_figures(invoice),
        can_void=services.invoice_voidable(
            request.user, invoice, has_credit_notes=bool(credit_notes)
        ),
        credit_notes=credit_notes,
    )
    return render(request, "billing/invoice_detail.html", context | refused_forms)


def _invoice_act(request: HttpRequest, pk: int, action, done: str, **kwargs) -> HttpResponse:
    """One posted action on an invoice. A form sent twice is answered with the first result by
    hms.middleware.DuplicateSubmissionMiddleware (the service raises AlreadySubmitted)."""
    invoice = _invoice(pk)
    return act(
        request, action, done=done, then=invoice.get_absolute_url(), invoice=invoice, **kwargs
    )


def _form_act(
    request: HttpRequest,
    invoice_id: int,
    form,
    action,
    *,
    done,
    shown_as: dict,
    **arguments,
) -> HttpResponse:
    """One posted money action from a form on the invoice page. Done: say `done` (a sentence, or
    a function of what the service returned) and show the invoice. Refused: show the invoice page
    again with the form as it was typed (`shown_as` names it for the template) and the refusal
    beside its field, never a page that has forgotten what was typed. A refusal about the invoice
    as it is now (not about a value typed) is said above the invoice's page. The refused submission's
    token was rolled back with everything else, so the corrected form goes through once (the
    page draws a new token anyway). A form sent twice is answered by
    hms.middleware.DuplicateSubmissionMiddleware."""
    try:
        result = action(actor=request.user, request=request, **arguments)
    except services.BillingError as refusal:
        if refusal.field in form.fields:
            refuse_into(form, refusal)
            return _invoice_page(request, _invoice(invoice_id, page=True), **shown_as)
        # About the invoice as it is now (paid meanwhile, voided): said above its page.
        messages.error(request, str(refusal))
        return redirect("invoice_detail", pk=invoice_id)
    messages.success(request, done(result) if callable(done) else done)
    return redirect("invoice_detail", pk=invoice_id)


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_act(request, pk, services.invoice_issue, "Invoice issued.")


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def invoice_discount(request: HttpRequest, pk: int) -> HttpResponse:
    form = DiscountForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, _invoice(pk), discount_form=form)
    return _form_act(
        request,
        pk,
        form,
        services.invoice_set_discount,
        done="Discount saved.",
        shown_as={"discount_form": form},
        invoice=_invoice(pk),
        kind=form.cleaned_data["kind"],
        value=form.cleaned_data["value"] or ZERO,
        reason=form.cleaned_data["reason"],
    )


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, _invoice(pk), void_form=form)
    return _form_act(
        request,
        pk,
        form,
        services.invoice_void,
        done="Invoice voided.",
        shown_as={"void_form": form},
        invoice=_invoice(pk),
        reason=form.cleaned_data["reason"],
    )


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def advance_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_act(request, pk, services.advance_apply, "Paid from the advance deposit.")


@rbac.capability_required("billing.invoices", scopes=DESK, post_only=True)
@require_POST
def payment_take(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("mode") == PaymentMode.ADVANCE:
        messages.error(request, "To use the advance deposit, press “Pay from advance”.")
        return redirect("invoice_detail", pk=pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, _invoice(pk), pay_form=form)
    return _form_act(
        request,
        pk,
        form,
        services.payment_take,
        done=_payment_done,
        shown_as={"pay_form": form},
        invoice=_invoice(pk),
        amount=form.cleaned_data["amount"],
        mode=form.cleaned_data["mode"],
        reference=form.cleaned_data["reference"],
        again=form.cleaned_data["again"],
    )


def _payment_done(payment: Payment) -> str:
    return f"Payment recorded: receipt {payment.receipt_number}, {money_text(payment.amount)}."


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=pk)
    form = RefundForm(request.POST)
    shown_as = {"refund_form": form, "refund_payment_id": payment.pk}
    if not form.is_valid():
        return _invoice_page(request, _invoice(payment.invoice_id), **shown_as)
    return _form_act(
        request,
        payment.invoice_id,
        form,
        services.payment_refund,
        done=lambda refund: (
            f"Refund {refund.number} recorded: {money_text(refund.amount)} by"
            f" {refund.get_method_display()}."
        ),
        shown_as=shown_as,
        payment=payment,
        amount=form.cleaned_data["amount"],
        method=form.cleaned_data["method"],
        reference=form.cleaned_data["reference"],
        reason=form.cleaned_data["reason"],
    )


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """A payment that bounced (cheque, M-Pesa reversal, chargeback): owed again."""
    payment = get_object_or_404(Payment, pk=pk)
    form = ReversePaymentForm(request.POST)
    shown_as = {"reverse_form": form, "reverse_payment_id": payment.pk}
    if not form.is_valid():
        return _invoice_page(request, _invoice(payment.invoice_id), **shown_as)
    return _form_act(
        request,
        payment.invoice_id,
        form,
        services.payment_reverse,
        done=f"Payment {payment.receipt_number} reversed: {money_text(payment.amount)} is owed again.",
        shown_as=shown_as,
        payment=payment,
        reason=form.cleaned_data["reason"],
    )


# --- printed documents (signed, expiring links) -------------------------------------------------

STATEMENT_LINK = "statement"


def statement_pdf_url(patient, date_from=None, date_to=None) -> str:
    """A signed link to the statement's PDF for the period (the period is part of what is signed)."""
    period = f"{patient.pk}|{date_from or ''}|{date_to or ''}"
    return reverse("billing_document", args=[files.sign(STATEMENT_LINK, period)])


def _statement_pdf(request: HttpRequest, period: str) -> HttpResponse:
    patient_id, _, dates = period.partition("|")
    date_from, _, date_to = dates.partition("|")
    patient = clinical.live_patient_for(request.user, patient_id)
    if patient is None:
        raise Http404("This link is not valid any more. Open the statement from its page again.")
    statement = selectors.account_statement(
        patient, date_from=params.date_param(date_from), date_to=params.date_param(date_to)
    )
    name = f"statement-{patient.mrn}.pdf"
    return pdf_response(documents.statement_html(statement), name)


# The billing desk's Print button loads the PDF in a frame of its own page: same origin only.
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
@rbac.capability_required("billing.invoices")
def billing_document(request: HttpRequest, token: str) -> HttpResponse:
    """An invoice, receipt, refund receipt, credit note or statement PDF, for the desk and for the
    patient it belongs to."""
    if period := files.unsign(token, STATEMENT_LINK):
        return _statement_pdf(request, period)
    visible = selectors.visible_invoices(request.user)
    if rendered := _rendered_when_asked(token, visible, request.user):
        return rendered
    invoice_id, payment_id = files.unsign(token, INVOICE_LINK), files.unsign(token, RECEIPT_LINK)
    invoice_id, payment_id = params.db_id(invoice_id), params.db_id(payment_id)
    if invoice_id and (invoice := visible.filter(pk=invoice_id).first()):
        return documents.invoice_pdf_response(invoice)
    if payment_id and (
        payment := Payment.objects.filter(pk=payment_id, invoice__in=visible).first()
    ):
        return documents.receipt_pdf_response(payment)
    raise Http404("This link is not valid any more. Open the document from its page again.")


def _rendered_when_asked(token: str, visible, visible_to) -> HttpResponse | None:
    """A refund receipt or a credit note the link names, among the `visible` invoices, or a
    deposit receipt of a patient `visible_to` (the user) may see: rendered when asked for
    (nothing about them changes once made); None for any other link."""
    if (refund_id := params.db_id(files.unsign(token, REFUND_LINK))) and (
        refund := Refund.objects.select_related("payment__invoice__patient", "refunded_by")
        .filter(pk=refund_id, payment__invoice__in=visible)
        .first()
    ):
        return pdf_response(documents.refund_html(refund), f"{refund.number}.pdf")
    if (credit_id := params.db_id(files.unsign(token, CREDIT_LINK))) and (
        note := CreditNote.objects.filter(pk=credit_id, invoice__in=visible).first()
    ):
        return pdf_response(documents.credit_note_html(note), f"{note.number}.pdf")
    if given_back_id := params.db_id(files.unsign(token, DEPOSIT_REFUND_LINK)):
        refunds = AdvanceRefund.objects.select_related("advance__patient", "refunded_by")
        if rbac.scope(visible_to, "billing.invoices") == rbac.OWN:
            refunds = refunds.filter(advance__patient__user=visible_to)
        if given_back := refunds.filter(pk=given_back_id).first():
            return pdf_response(
                documents.deposit_refund_html(given_back), f"{given_back.number}.pdf"
            )
    if deposit_id := params.db_id(files.unsign(token, DEPOSIT_LINK)):
        deposits = AdvanceDeposit.objects.select_related("patient", "received_by")
        if rbac.scope(visible_to, "billing.invoices") == rbac.OWN:
            deposits = deposits.filter(patient__user=visible_to)
        if advance := deposits.filter(pk=deposit_id).first():
            return pdf_response(documents.deposit_html(advance), f"{advance.receipt_number}.pdf")
    return None


@rbac.capability_required("billing.invoices", scopes={rbac.OWN})
def portal_invoices(request: HttpRequest) -> HttpResponse:
    page = _page(
        request, selectors.visible_invoices(request.user).order_by("-issued_at", "-id"), 25
    )
    claims = {
        claim.invoice_id: claim
        for claim in InsuranceClaim.objects.filter(invoice__in=[i.pk for i in page])
    }
    invoices = [(i, invoice_pdf_url(i), claims.get(i.pk)) for i in page]
    return render(request, "billing/portal_invoices.html", {"invoices": invoices, "page": page})


@rbac.capability_required("billing.invoices", scopes=DESK)
def outstanding(request: HttpRequest) -> HttpResponse:
    """Issued invoices with a balance, oldest first, a page at a time (optionally one age
    bucket): the billing desk's worklist. The total and the age buckets are summed by the
    database over every open invoice, so they equal the desk panel's "Patients owe"."""
    if request.htmx and request.htmx.target == "billing-patients":
        # The desk finds a patient's account with clinical's search (accountants see no charts).
        matches = clinical.patient_matches(params.search_text(request.GET.get("q")))
        found = paging.first_of(matches, clinical.SEARCH_LIMIT)
        return render(request, "billing/outstanding.html#patients", {"found": found})
    today = timezone.localdate()
    age = params.choice_param(request.GET.get("age"), [b.key for b in selectors.AGE_BUCKETS])
    figures = selectors.outstanding_figures(today)
    page = selectors.outstanding_page(today, age, paging.page_number(request), figures)
    context = {
        "figures": figures,
        "age": age,
        "age_label": next((b.label for b in selectors.AGE_BUCKETS if b.key == age), ""),
        "page": page,
        "rows": selectors.outstanding_rows(page, today),
        "today": today,
        "insurers_owe": selectors.claims_outstanding(),
        "claims_url": reverse("claim_list"),  # linked twice
    }
    return render(request, "billing/outstanding.html", context)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def credit_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    charge_ids = params.db_ids(request.POST.getlist("line"))
    form = CreditNoteForm(request.POST)
    if form.is_valid() and not charge_ids and form.cleaned_data["amount"] is None:
        form.add_error("amount", "Enter the amount to credit, or tick the lines.")
    if not form.is_valid():
        return _invoice_page(request, _invoice(pk), credit_form=form)
    return _form_act(
        request,
        pk,
        form,
        services.credit_note_issue,
        done="Credit note issued.",
        shown_as={"credit_form": form},
        invoice=_invoice(pk),
        reason=form.cleaned_data["reason"],
        amount=None if charge_ids else form.cleaned_data["amount"],
        charge_ids=charge_ids or None,
    )


# --- insurance claims ----------------------------------------------------------------------------

CLAIMS_PER_PAGE = 25


@rbac.capability_required("billing.invoices", scopes=DESK)
def claim_list(request: HttpRequest) -> HttpResponse:
    """Every insurance claim, newest first, by status and insurer; accountants act on them here."""
    return _claim_list_page(request)


def _claim_list_page(request: HttpRequest, **refused) -> HttpResponse:
    """The claims list for the request's filters and page; a refused claim form (`claim_form`,
    with `back`, the list's address) shows its messages beside its fields."""
    form = ClaimFilterForm(request.GET)
    wanted = form.cleaned_data if form.is_valid() else {"status": "", "insurer": ""}
    found = selectors.claims(status=wanted["status"], insurer=wanted["insurer"])
    context = {
        "form": form,
        "status": wanted["status"],
        "insurer": wanted["insurer"],
        "statuses": ClaimStatus.choices,
        "insurers": selectors.claim_insurers(),
        "page": _page(request, found, CLAIMS_PER_PAGE),
        "outstanding": selectors.claims_outstanding(found),
        "can_adjust": rbac.allows(request.user, "billing.adjust"),
        "currency": settings.HMS_CURRENCY,
    }
    template = "billing/claim_list.html"
    if request.htmx and request.htmx.target == "claims":
        template += "#claims"
    return render(request, template, context | refused)


def _back_to(request: HttpRequest, claim: InsuranceClaim) -> HttpResponse:
    """Back where the form was (the claims list with its filters, or the invoice); the claim is
    already changed, so a `next` that is no path here falls back to the invoice, never an error."""
    return redirect(params.safe_next(request, "invoice_detail", pk=claim.invoice_id))


def _claim_act(request: HttpRequest, pk: int, form_class, kind: str, act) -> HttpResponse:
    """Parse the form, make the one service call, and say what happened; refused, the page the
    form was on (the claims list with its filters and page, or the invoice) is shown again with
    the form as typed and the refusal beside its field."""
    claim = get_object_or_404(InsuranceClaim, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            done = act(claim, form.cleaned_data)
        except services.BillingError as refusal:
            if refusal.field not in form.fields:
                # About the claim as it is now (decided meanwhile): said above the page.
                messages.error(request, str(refusal))
                return _back_to(request, claim)
            refuse_into(form, refusal)
        else:
            messages.success(request, done)
            return _back_to(request, claim)
    shown_as = {"claim_form": form, "claim_form_for": claim.pk, "claim_form_kind": kind}
    back = params.safe_next(request, "invoice_detail", pk=claim.invoice_id)
    where = urlsplit(back)
    if where.path == reverse("claim_list"):
        # The list as it was shown: its filters and page come with the form's `next`.
        request.GET = QueryDict(where.query)
        return _claim_list_page(request, back=back, **shown_as)
    return _invoice_page(request, _invoice(claim.invoice_id), **shown_as)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim: InsuranceClaim, data: dict) -> str:
        claim = services.claim_approve(
            actor=request.user,
            claim=claim,
            amount=data["amount"],
            insurer_reference=data["insurer_reference"],
            request=request,
        )
        short = claim.amount_claimed - claim.approved_amount
        moved = f" {money_text(short)} not covered moves to the patient's balance." if short else ""
        return f"Claim {claim.number} approved: {money_text(claim.approved_amount)}.{moved}"

    return _claim_act(request, pk, ClaimApproveForm, "approve", act)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim: InsuranceClaim, data: dict) -> str:
        claim = services.claim_reject(
            actor=request.user, claim=claim, reason=data["reason"], request=request
        )
        return (
            f"Claim {claim.number} rejected: the {money_text(claim.amount_claimed)} claimed moves to the"
            " patient's balance."
        )

    return _claim_act(request, pk, ClaimRejectForm, "reject", act)


@rbac.capability_required("billing.adjust", post_only=True)
@require_POST
def claim_pay(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim: InsuranceClaim, data: dict) -> str:
        claim = services.claim_record_payment(
            actor=request.user,
            claim=claim,
            amount=data["amount"],
            reference=data["reference"],
            request=request,
        )
        return f"Insurer's payment of {money_text(claim.paid_amount)} recorded on claim {claim.number}."

    return _claim_act(request, pk, ClaimPaymentForm, "pay", act)


# --- the desk's panel on the reception and accountant dashboards ---------------------------------


@rbac.capability_required("billing.invoices", scopes=DESK)
def billing_panel(request: HttpRequest) -> HttpResponse:
    """Today at the billing desk, as a fragment the dashboards load (and reload on every billing
    change)."""
    return render(
        request,
        "billing/panel.html",
        {"summary": selectors.desk_summary(), "currency": settings.HMS_CURRENCY},
    )
