"""Screens of the lab: ordering (doctor), the worklist and an order's page (technician), late
tests, the patient's results in the portal, and the catalogue (admin)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from clinical import selectors as clinical
from engineering import availability
from hms import files, paging, params, rbac
from hms.concurrent_edits import merged_note
from hms.refusals import act, refuse_beside, refuse_into
from lab import selectors, services
from lab.forms import (
    CriticalCallForm,
    LabTestForm,
    OrderForm,
    ReasonForm,
    ReferenceRangeForm,
    ResultFieldForm,
)
from lab.models import (
    Department,
    LabTest,
    OrderStatus,
    ReferenceRange,
    ResultField,
    TestOrder,
)
from lab.selectors import REPORT_LINK, report_url

STAFF = {rbac.ALL}


# Who did each step of an order. Loaded in one query of their own: joined into the order's, six
# more copies of the user table took PostgreSQL ~17 ms to plan (tests/bench/pages.py --sql).
STEP_PEOPLE = (
    "ordered_by",
    "collected_by",
    "started_by",
    "completed_by",
    "verified_by",
    "cancelled_by",
)


def _order(pk: int) -> TestOrder:
    order = selectors.order_by_id(pk)
    if order is None:
        raise Http404("No such test order.")
    people = selectors.step_people([getattr(order, f"{step}_id") for step in STEP_PEOPLE])
    for step in STEP_PEOPLE:
        person = people.get(getattr(order, f"{step}_id"))
        if person is not None:
            setattr(order, step, person)
    return order


def _back(order: TestOrder) -> HttpResponse:
    return redirect("lab_order", pk=order.pk)


# --- ordering (doctor) -------------------------------------------------------------------------


@rbac.capability_required("tests.order")
def order_new(request: HttpRequest) -> HttpResponse:
    """Order tests for the patient of a consultation (?encounter=) or an admission (?admission=)."""
    source = request.GET if request.method == "GET" else request.POST
    origin = selectors.order_origin(source.get("encounter"), source.get("admission"))
    if origin is None:
        messages.info(request, "Tests are ordered from a consultation or an admission: open one.")
        return redirect("dashboard")
    form = OrderForm(request.POST or None)
    # "To be done when the machine is back" is offered once an imaging test was refused for its
    # machines being down, and stays while the doctor uses it (or has typed a reason).
    offer_wait = any(request.POST.get(f) for f in ("when_machine_back", "machine_wait_reason"))
    if request.method == "POST" and form.is_valid():
        orders, machines_down = _place_order(request, origin, form)
        if orders:
            return _ordered(request, origin, orders)
        offer_wait = offer_wait or machines_down
    chosen = request.POST.getlist("tests")
    context = selectors.order_new_page(
        request.user, origin, form=form, chosen=chosen, offer_wait=offer_wait
    )
    # From a consultation, by htmx: the form opens under the tests, the notes stay as typed.
    context["inline"] = bool(request.htmx and origin.encounter)
    part = "#order-form" if context["inline"] else ""
    return render(request, f"lab/order_new.html{part}", context)


def _ordered(
    request: HttpRequest, origin: selectors.OrderOrigin, orders: list[TestOrder]
) -> HttpResponse:
    """Say what was ordered: in place of the form opened in a consultation (and its tests panel
    fetches itself again), else on the page ordered from."""
    names = ", ".join(o.test.name for o in orders)
    waiting = " (to be done when its machine is back)" if _waiting(orders) else ""
    said = f"Ordered: {names}{waiting}. The lab sees it now."
    if request.htmx and origin.encounter:
        response = render(request, "lab/_order_placed.html", {"said": said})
        return trigger_client_event(response, f"hms:lab-orders-{origin.patient.pk}")
    messages.success(request, said)
    return redirect(origin.back)


def _place_order(
    request: HttpRequest, origin: selectors.OrderOrigin, form: OrderForm
) -> tuple[list[TestOrder], bool]:
    """Order what the form says: (the orders, False), or ([], whether it was refused for the
    machines being down) with the refusal on the form, beside its field when it has one."""
    data = form.cleaned_data
    try:
        orders = services.order_tests(
            actor=request.user,
            patient=origin.patient,
            tests=list(data["tests"]),
            priority=data["priority"],
            clinical_notes=data["clinical_notes"],
            encounter=origin.encounter,
            admission=origin.admission,
            when_machine_back=data["when_machine_back"],
            machine_wait_reason=data["machine_wait_reason"],
            request=request,
        )
    except services.MachineUnavailable as refusal:
        form.add_error(None, str(refusal))
        return [], True
    except services.LabError as refusal:
        refuse_into(form, refusal)
        return [], False
    return orders, False


def _waiting(orders: list[TestOrder]) -> bool:
    return any(o.machine_wait_reason for o in orders)


@rbac.capability_required("engineering.request")
def machines_down(request: HttpRequest) -> HttpResponse:
    """The banner of imaging machines not working (the worklist's and the order form's),
    fetched again live when engineering changes a machine."""
    context = {"machines_down": availability.imaging_machines_down(), "now": timezone.now()}
    return render(request, "lab/_machines_down.html", context)


@rbac.capability_required("tests.view_results", scopes=STAFF)
def orders_panel(request: HttpRequest, patient_pk) -> HttpResponse:
    """A patient's tests (of one consultation or admission, or all), for the pages that show
    them; refreshed live as the lab works."""
    patient = clinical.live_patient_for(request.user, patient_pk)
    if patient is None:
        raise Http404("No such patient.")
    context = selectors.orders_panel(
        request.user,
        patient,
        encounter_id=params.db_id(request.GET.get("encounter")),
        admission_id=params.db_id(request.GET.get("admission")),
        page=paging.page_number(request),
    )
    return render(request, "lab/_orders_panel.html", context)


@rbac.capability_required("tests.order", post_only=True)
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.order_cancel(
                actor=request.user, order=order, reason=form.cleaned_data["reason"], request=request
            )
        except services.LabError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, f"{order.number} cancelled; its charge was reversed.")
            return _back(order)
    return _order_page(request, order, cancel_form=form)


# --- an order's page: steps, results, report ---------------------------------------------------


@rbac.capability_required("tests.view_results", scopes=STAFF)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_page(request, _order(pk))


def _order_page(
    request: HttpRequest,
    order: TestOrder,
    refused: services.LabError | None = None,
    cancel_form: ReasonForm | None = None,
    call_form: CriticalCallForm | None = None,
) -> HttpResponse:
    """An order's page. After a refused result entry or amendment (`refused`), the form shows
    every value as typed, each refusal beside its field, and nothing is saved; so does a refused
    cancellation (`cancel_form`)."""
    context = selectors.order_page(
        request.user,
        order,
        refused=refused,
        typed=_posted_values(request) if refused is not None else None,
        posted=request.POST,
        cancellable=order.status in services.CANCELLABLE,
        colleague_must_verify=services.needs_a_colleague_to_verify(request.user, order),
    )
    return render(
        request,
        "lab/order_detail.html",
        context | {"cancel_form": cancel_form} | _critical_call(order, call_form),
    )


def _critical_call(order: TestOrder, call_form: CriticalCallForm | None) -> dict:
    """The critical-value call's form (the time now, or as typed after a refusal) and the calls
    recorded (none to read before a result: a call is about a result's critical value)."""
    calls = order.critical_calls.select_related("recorded_by") if order.result_version else []
    if call_form is None and order.flag == "critical":  # the form shows on critical results
        now = timezone.localtime().strftime("%H:%M")
        call_form = CriticalCallForm(initial={"called_time": now})
    return {
        "call_form": call_form,
        "critical_calls": list(calls),
    }


@rbac.capability_required("tests.process", post_only=True)
@require_POST
def critical_call(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the critical-value telephone call; a refusal keeps what was typed beside its field."""
    order = _order(pk)
    form = CriticalCallForm(request.POST)
    if form.is_valid():
        try:
            services.critical_call_record(
                actor=request.user,
                order=order,
                called_person=form.cleaned_data["called_person"],
                called_at=form.called_at(),
                read_back=form.cleaned_data["read_back"],
                request=request,
            )
        except services.LabError as refusal:
            if refusal.field == "called_at":
                refusal.field = "called_time"
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, f"{order.number}: the call is recorded.")
            return _back(order)
    return _order_page(request, order, call_form=form)


def _act(request: HttpRequest, order: TestOrder, action, done: str, **kwargs) -> HttpResponse:
    then = (
        reverse("lab_worklist")
        if request.POST.get("next") == "worklist"
        else order.get_absolute_url()
    )
    return act(request, action, done=done, then=then, order=order, **kwargs)


@rbac.capability_required("tests.process", post_only=True)
@require_POST
def order_advance(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    to_status = params.choice_param(request.POST.get("to"), OrderStatus.choices)
    label = dict(OrderStatus.choices).get(to_status, to_status)
    return _act(
        request,
        order,
        services.order_advance,
        f"{order.number}: {label}.",
        to_status=to_status,
    )


def _posted_values(request: HttpRequest) -> dict:
    return {
        key.removeprefix("field-"): value
        for key, value in request.POST.items()
        if key.startswith("field-")
    }


def _results(request: HttpRequest, pk: int, action, done: str, **kwargs) -> HttpResponse:
    """Save typed results; a refusal re-renders the order's page with what was typed."""
    order = _order(pk)
    try:
        action(
            actor=request.user,
            order=order,
            values=_posted_values(request),
            findings=request.POST.get("findings", ""),
            request=request,
            **kwargs,
        )
    except services.LabError as refusal:
        # The page as it now is (another step may have happened meanwhile), with the form kept.
        order = _order(pk)
        if order.status not in (OrderStatus.IN_PROGRESS, OrderStatus.VERIFIED):
            messages.error(request, str(refusal))  # no form to show it in any more
        return _order_page(request, order, refused=refusal)
    messages.success(request, done)
    return _back(order)


@rbac.capability_required("tests.process", post_only=True)
@require_POST
def results_enter(request: HttpRequest, pk: int) -> HttpResponse:
    return _results(request, pk, services.results_enter, "Results saved.")


@rbac.capability_required("tests.process", post_only=True)
@require_POST
def results_amend(request: HttpRequest, pk: int) -> HttpResponse:
    return _results(
        request,
        pk,
        services.results_amend,
        "Amended result saved; it needs verifying by a second person.",
        reason=request.POST.get("reason", ""),
    )


@rbac.capability_required("tests.process", post_only=True)
@require_POST
def report_attach(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    upload = request.FILES.get("report")
    if upload is None:
        messages.error(request, "Choose the report PDF to attach.")
        return _back(order)
    return _act(request, order, services.report_attach, "Report attached.", upload=upload)


@rbac.capability_required("tests.view_results")
def report_download(request: HttpRequest, token: str) -> HttpResponse:
    """Only with a fresh, untampered link; staff who view results, or the patient once the
    result is verified."""
    found = selectors.downloadable_report(request.user, files.unsign(token, REPORT_LINK))
    if found is None:
        raise Http404("This link is not valid any more. Open the result again.")
    order, report = found
    services.report_downloaded(actor=request.user, order=order, request=request)
    return files.download(report, content_type="application/pdf", filename=f"{order.number}.pdf")


# --- the lab's screens -------------------------------------------------------------------------


# The worklist's step filter.
WORKLIST_STEPS = [
    (OrderStatus.PENDING, "Pending"),
    (OrderStatus.COLLECTED, "Sample collected"),
    (OrderStatus.IN_PROGRESS, "In progress"),
    # Where the awaiting panel's "see all" leads: picked, it must show as picked.
    (OrderStatus.COMPLETED, "Completed, awaiting verification"),
]


@rbac.capability_required("tests.process")
def worklist(request: HttpRequest) -> HttpResponse:
    department = params.choice_param(request.GET.get("department"), Department.choices)
    status = params.choice_param(
        request.GET.get("status"), [*selectors.OPEN_STATUSES, OrderStatus.COMPLETED]
    )
    page = selectors.worklist_page(
        paging.page_number(request), department=department, status=status
    )
    context = {
        "page": page,
        "orders": page.object_list,
        # The oldest 50 and how many there are; all of them under the step "Completed".
        "awaiting": selectors.awaiting_panel(department=department),
        "late_count": selectors.late_count(),
        "departments": Department.choices,
        "department": department,
        "status": status,
        "statuses": WORKLIST_STEPS,
        "now": timezone.now(),
    }
    if request.htmx and request.htmx.target == "worklist":
        return render(request, "lab/worklist.html#worklist", context)
    context["machines_down"] = availability.imaging_machines_down()
    return render(request, "lab/worklist.html", context)


@rbac.capability_required("tests.process")
def late(request: HttpRequest) -> HttpResponse:
    """Tests past their turnaround target, and the medians per test over 30 days."""
    now = timezone.now()
    page = Paginator(selectors.late_orders(now), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "orders": page.object_list,
        "now": now,
        "report": selectors.turnaround(),
    }
    return render(request, "lab/late.html", context)


@rbac.capability_required("tests.view_results", scopes={rbac.OWN_VERIFIED})
def portal_results(request: HttpRequest) -> HttpResponse:
    """The patient's own verified results (the verified version: a correction shows once a
    second person has verified it) and reports."""
    orders = selectors.portal_results(request.user)
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    rows = []
    for order in page.object_list:
        version = next(
            (v for v in order.versions.all() if v.version == order.verified_version), None
        )
        rows.append(
            {
                "order": order,
                "values": [v for v in order.values.all() if v.version == order.verified_version],
                "findings": version.findings if version else "",
                "verified_at": version.verified_at if version else order.verified_at,
                "report_url": report_url(order) if version and version.report else "",
            }
        )
    return render(request, "lab/portal_results.html", {"page": page, "rows": rows})


# --- catalogue (admin) -------------------------------------------------------------------------


@rbac.capability_required("tests.catalogue")
def catalogue(request: HttpRequest) -> HttpResponse:
    form = LabTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            test = services.catalogue_save(
                actor=request.user, test=LabTest(), request=request, **form.cleaned_data
            )
        except services.LabError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{test.name} added. Now add its result fields.")
            return redirect("lab_catalogue_edit", pk=test.pk)
    tests = LabTest.objects.select_related("charge_item").prefetch_related("fields")
    return render(request, "lab/catalogue.html", {"form": form, "tests": tests})


@rbac.capability_required("tests.catalogue")
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    test = get_object_or_404(LabTest.objects.select_related("charge_item"), pk=pk)
    form = LabTestForm(request.POST or None, instance=test)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_save(
                actor=request.user, test=test, request=request, **form.cleaned_data
            )
        except services.LabError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Saved." + merged_note(form))
            return redirect("lab_catalogue_edit", pk=test.pk)
    return _catalogue_page(request, test, form=form)


def _catalogue_page(request: HttpRequest, test: LabTest, **forms) -> HttpResponse:
    """A test's catalogue page; a refused form (`field_form=...`, `range_form=...`) shows its
    messages beside its fields and keeps what was typed."""
    context = {
        "test": test,
        "form": LabTestForm(instance=test),
        "fields": selectors.fields_with_ranges(test),
        "field_form": ResultFieldForm(),
        "range_form": ReferenceRangeForm(test=test),
    }
    return render(request, "lab/catalogue_edit.html", context | forms)


def _catalogue_part_add(request: HttpRequest, test: LabTest, form, done: str) -> HttpResponse:
    """Add a result field or a reference range; a bad value re-renders the page with the form."""
    if form.is_valid():
        try:
            services.catalogue_part_save(
                actor=request.user, part=form.save(commit=False), request=request
            )
        except services.LabError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, done)
            return redirect("lab_catalogue_edit", pk=test.pk)
    name = "range_form" if isinstance(form, ReferenceRangeForm) else "field_form"
    return _catalogue_page(request, test, **{name: form})


@rbac.capability_required("tests.catalogue", post_only=True)
@require_POST
def catalogue_field_add(request: HttpRequest, pk: int) -> HttpResponse:
    test = get_object_or_404(LabTest.objects.select_related("charge_item"), pk=pk)
    form = ResultFieldForm(request.POST, instance=ResultField(test=test))
    return _catalogue_part_add(request, test, form, "Result field added.")


@rbac.capability_required("tests.catalogue", post_only=True)
@require_POST
def catalogue_range_add(request: HttpRequest, pk: int) -> HttpResponse:
    test = get_object_or_404(LabTest.objects.select_related("charge_item"), pk=pk)
    form = ReferenceRangeForm(request.POST, test=test)
    return _catalogue_part_add(request, test, form, "Reference range added.")


@rbac.capability_required("tests.catalogue", post_only=True)
@require_POST
def catalogue_range_remove(request: HttpRequest, pk: int) -> HttpResponse:
    band = get_object_or_404(ReferenceRange.objects.select_related("field"), pk=pk)
    services.catalogue_part_remove(actor=request.user, part=band, request=request)
    messages.success(request, "Reference range removed.")
    return redirect("lab_catalogue_edit", pk=band.field.test_id)


# --- dashboard panels ------------------------------------------------------------------------


@rbac.capability_required("tests.process")
def lab_summary(request: HttpRequest) -> HttpResponse:
    """The lab's counts for the technician's dashboard, live."""
    counts = dict(
        TestOrder.objects.filter(status__in=[*selectors.OPEN_STATUSES, OrderStatus.COMPLETED])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    context = {
        "counts": [
            ("Pending", counts.get(OrderStatus.PENDING, 0), "pending"),
            ("Sample collected", counts.get(OrderStatus.COLLECTED, 0), "collected"),
            ("In progress", counts.get(OrderStatus.IN_PROGRESS, 0), "in_progress"),
        ],
        "awaiting": counts.get(OrderStatus.COMPLETED, 0),
        "stat": TestOrder.objects.filter(
            status__in=selectors.OPEN_STATUSES, priority="stat"
        ).count(),
        "late": selectors.late_count(),
    }
    return render(request, "lab/_summary.html", context)


DOCTOR_PANEL_SIZE = 15
DOCTOR_RESULTS_PER_PAGE = 50


@rbac.capability_required("tests.order")
def doctor_results(request: HttpRequest) -> HttpResponse:
    """The doctor's own orders of the last seven days: flagged results first, then the newest;
    the first few, with how many there are and a link to all of them."""
    orders = paging.first_of(selectors.doctor_recent_orders(request.user), DOCTOR_PANEL_SIZE)
    return render(request, "lab/_doctor_results.html", {"orders": orders})


@rbac.capability_required("tests.order")
def doctor_results_all(request: HttpRequest) -> HttpResponse:
    """My patients' results: every test the doctor ordered in the last seven days, flagged
    results first, a page at a time."""
    page = paging.page_of(
        request, selectors.doctor_recent_orders(request.user), DOCTOR_RESULTS_PER_PAGE
    )
    return render(request, "lab/doctor_results.html", {"page": page, "orders": page.object_list})
