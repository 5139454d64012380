"""Screens of the medication administration record (tablet-first): a stay's medication chart
(orders, the doctor's add and stop, the doses of the last two shifts recorded from there), the
ward's round for the current shift (doses due grouped by bed, overdue first in colour), the
admission page's medication panel and the overdue doses of the nurse's home (htmx fragments:
wards never imports the pharmacy)."""

from datetime import UTC, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical.forms import PrescriptionCheckForm
from clinical.services import OVERRIDE_REASON_MIN, PrescribingStopped
from hms import paging, params, rbac
from hms.refusals import Refusal, refuse_beside
from pharmacy import mar_selectors as selectors
from pharmacy import services
from pharmacy.mar_forms import DoseForm, MedicationOrderForm, StopForm
from pharmacy.models import MedicationOrder, admission_model

VIEW = "patients.view_chart"
WHOLE_CHART = {rbac.ALL}
ORDER = "pharmacy.mar_order"
RECORD = "pharmacy.mar_record"
ROUND_WARD = "pharmacy.mar_round.ward"  # the session's last ward of the round


def _stay(pk: int) -> object:
    return get_object_or_404(admission_model().objects.select_related("patient", "bed"), pk=pk)


def _chart_page(request: HttpRequest, stay: object, **forms: object) -> HttpResponse:
    data = selectors.chart(stay)
    ended = paging.page_of(request, data["ended"], selectors.ENDED_PAGE)
    context = {
        **data,
        "stay": stay,
        "ward": stay.bed.ward,
        "ended_page": ended,
        "order_form": forms.get("order_form") or MedicationOrderForm(),
        "stop_refused": forms.get("stop_refused"),
        "stopped": forms.get("stopped"),
        "check_form": forms.get("check_form"),
        "dose_refused": forms.get("dose_refused"),
        "back": request.get_full_path() if request.method == "GET" else _chart_url(stay),
        # A discharged stay's chart is read-only: no dose is recorded, no order written.
        "can_record": stay.discharged_at is None and rbac.allows(request.user, RECORD),
        "can_order": stay.discharged_at is None and rbac.allows(request.user, ORDER),
    }
    return render(request, "pharmacy/mar/chart.html", context)


def _chart_url(stay: object) -> str:
    return reverse("medication_chart", args=[stay.pk])


@rbac.capability_required(VIEW, scopes=WHOLE_CHART)
def medication_chart(request: HttpRequest, pk: int) -> HttpResponse:
    """A stay's medication chart (doctors, nurses, admin)."""
    return _chart_page(request, _stay(pk))


@rbac.capability_required(VIEW, scopes=WHOLE_CHART)
def medication_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The admission page's medication panel (a fragment, live)."""
    stay = _stay(pk)
    context = {**selectors.admission_summary(stay), "stay": stay}
    return render(request, "pharmacy/mar/_panel.html", context)


@rbac.capability_required(ORDER, post_only=True)
@require_POST
def medication_order_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The doctor's new order; a refusal shows beside its field with what was typed, and what
    the prescribing checks found above the drug (the allergy's override reason, the warnings to
    confirm), as on the consultation."""
    stay = _stay(pk)
    form = MedicationOrderForm(request.POST)
    checks = PrescriptionCheckForm(request.POST)
    stopped = None
    if form.is_valid():
        try:
            order = _order(request, stay, form.cleaned_data, checks)
        except PrescribingStopped as refusal:
            stopped = refusal  # shown once, under the item, with what it asks
        except Refusal as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, f"{order.item.name} {order.dose} ordered.")
            return redirect(_chart_url(stay))
    shown = PrescriptionCheckForm.after_stop(request.POST, stopped, shortest=OVERRIDE_REASON_MIN)
    return _chart_page(request, stay, order_form=form, stopped=stopped, check_form=shown)


def _order(request: HttpRequest, stay: object, data: dict, checks: PrescriptionCheckForm):
    """The order as typed (`data`, cleaned) with the doctor's answers to the prescribing checks."""
    return services.medication_order_create(
        actor=request.user,
        admission=stay,
        item=data["item"],
        dose=data["dose"],
        units_per_dose=data["units_per_dose"],
        route=data["route"],
        frequency=data["frequency"],
        start_at=data["start_at"],
        stop_at=data["stop_at"],
        prn_max_per_24h=data["prn_max_per_24h"],
        indication=data["indication"],
        **checks.answers(),
        request=request,
    )


@rbac.capability_required(ORDER, post_only=True)
@require_POST
def medication_order_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """The doctor stops an order, with the reason."""
    order = get_object_or_404(MedicationOrder.objects.select_related("item"), pk=pk)
    stay = _stay(order.admission_id)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            services.medication_order_stop(
                actor=request.user, order=order, reason=form.cleaned_data["reason"], request=request
            )
        except Refusal as refusal:
            messages.error(request, str(refusal))
            return redirect(_chart_url(stay))
        messages.success(request, f"{order.item.name} stopped.")
        return redirect(_chart_url(stay))
    message = next(iter(form.errors.get("reason", [])), "Say why the order is stopped.")
    return _chart_page(
        request,
        stay,
        stop_refused={"order": order.pk, "message": message, "reason": request.POST.get("reason")},
    )


def _due(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@rbac.capability_required(RECORD, post_only=True)
@require_POST
def dose_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one dose (given, held, refused, not available) from the chart or the round, and
    go back there; a refusal shows beside that dose with what was typed."""
    order = get_object_or_404(MedicationOrder.objects.select_related("item"), pk=pk)
    form = DoseForm(request.POST)
    back = params.safe_next(request, "medication_chart", order.admission_id)
    refusal_text, field = "", "outcome"
    if form.is_valid():
        data = form.cleaned_data
        due = _due(data["due"])
        try:
            record = services.dose_record(
                actor=request.user,
                order=order,
                outcome=data["outcome"],
                due_at=due,
                reason=data["reason"],
                request=request,
            )
        except Refusal as refusal:
            refusal_text, field = str(refusal), refusal.field or "outcome"
        else:
            when = f" ({timezone.localtime(due):%H:%M})" if due else ""
            messages.success(
                request, f"{order.item.name}{when}: {record.get_outcome_display().lower()}."
            )
            return redirect(back)
    else:
        field, errors = next(iter(form.errors.items()))
        refusal_text = errors[0]
    refused = {
        "key": f"{order.pk}-{request.POST.get('due') or 'prn'}",
        "message": refusal_text,
        "field": field,
        "outcome": request.POST.get("outcome", ""),
        "reason": request.POST.get("reason", ""),
    }
    if request.POST.get("from") == "round":
        stay = _stay(order.admission_id)
        return _round_page(request, stay.bed.ward_id, dose_refused=refused, back=back)
    return _chart_page(request, _stay(order.admission_id), dose_refused=refused)


def _round_page(
    request: HttpRequest, ward_id: int, *, dose_refused: dict | None = None, back: str = ""
) -> HttpResponse:
    wards = selectors.wards()
    ward = next(((pk, name) for pk, name in wards if pk == ward_id), None)
    if ward is None:
        raise Http404
    page = paging.page_of(request, selectors.stays_on_ward(ward_id), selectors.ROUND_PAGE)
    context = {
        **selectors.round_rows(list(page.object_list), now=timezone.now()),
        "page": page,
        "ward_id": ward_id,
        "ward_name": ward[1],
        "all_wards": wards,
        "dose_refused": dose_refused,
        "back": back or request.get_full_path(),
    }
    if request.htmx and request.htmx.target == "mar-round" and not dose_refused:
        return render(request, "pharmacy/mar/round.html#round", context)
    return render(request, "pharmacy/mar/round.html", context)


@rbac.capability_required(RECORD)
def mar_round(request: HttpRequest) -> HttpResponse:
    """The ward's MAR round for the current shift (the ward picked, else the last one, else the
    first), a page of beds at a time with the count; live."""
    wards = selectors.wards()
    if not wards:
        return render(request, "pharmacy/mar/round.html", {"all_wards": [], "beds": []})
    known = {pk for pk, _ in wards}
    ward_id = params.db_id(request.GET.get("ward")) or request.session.get(ROUND_WARD)
    if ward_id not in known:
        ward_id = wards[0][0]
    request.session[ROUND_WARD] = ward_id
    return _round_page(request, ward_id)


@rbac.capability_required(RECORD)
def mar_overdue(request: HttpRequest) -> HttpResponse:
    """The nurse's home panel: doses overdue on the wards, the oldest first, with the count."""
    context = selectors.overdue_doses()
    return render(request, "pharmacy/mar/_overdue.html", context)
