"""Leave screens: my leave and applying (every staff role), the administrator's requests queue,
decision, who is away, balances, leave types and closure days."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from clinical import selectors as clinical_selectors
from hms import files, paging, rbac, refusals, submissions
from hms.concurrent_edits import merged_note
from hr import leave_forms as forms
from hr import leave_selectors as selectors
from hr import services
from hr.models import ClosureDay, LeaveRequest, LeaveStatus, LeaveType
from hr.roster_forms import departments_listed

PER_PAGE = 25
DECIDED_SHOWN = 10  # under the queue; "see all" pages the rest
AWAY_DAYS = 14


@rbac.capability_required("hr.self_service")
def my_leave(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    page = paging.page_of(
        request,
        selectors.my_requests(request.user),
        PER_PAGE,
        first_rows=selectors.first_of_mine(request.user, PER_PAGE + 1),
    )
    balances = selectors.balances_for([request.user], year)[request.user.pk]
    # The administrator account passes every check but takes no leave (services.leave_apply).
    takes_leave = rbac.offers(request.user, "hr.self_service")
    context = {"page": page, "balances": balances, "year": year, "takes_leave": takes_leave}
    return render(request, "hr/leave/my_leave.html", context)


def _apply_page(request: HttpRequest, form) -> HttpResponse:
    # A refused request still shows what it would cost (its own form carries the refusal).
    quote = _quote(request.user, forms.LeavePreviewForm(request.POST)) if form.is_bound else None
    takes_leave = rbac.offers(request.user, "hr.self_service")
    context = {"form": form, "quote": quote, "takes_leave": takes_leave}
    return render(request, "hr/leave/apply.html", context)


def _quote(user: User, form) -> selectors.Quote | None:
    """What the typed dates would cost, or None while they make no request yet."""
    if not form.is_valid():
        return None
    typed = form.cleaned_data
    if not (typed["leave_type"] and typed["start_date"] and typed["end_date"]):
        return None
    try:
        services.check_leave_dates(
            typed["start_date"], typed["end_date"], typed["starts_afternoon"], typed["ends_morning"]
        )
    except services.LeaveError:
        return None  # said beside its field when the form is sent
    try:
        return selectors.leave_quote(
            user=user,
            leave_type=typed["leave_type"],
            start=typed["start_date"],
            end=typed["end_date"],
            starts_afternoon=typed["starts_afternoon"],
            ends_morning=typed["ends_morning"],
        )
    except ValueError:
        return None


@rbac.capability_required("hr.self_service")
def leave_apply(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _apply_page(request, forms.LeaveApplyForm())
    form = forms.LeaveApplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.leave_apply(actor=request.user, request=request, **form.cleaned_data)
        except submissions.AlreadySubmitted:
            return redirect("my_leave")
        except services.LeaveError as refusal:
            refusals.refuse_into(form, refusal)
        else:
            messages.success(request, "Your request is sent. You will be told when it is decided.")
            return redirect("my_leave")
    return _apply_page(request, form)


@rbac.capability_required("hr.self_service")
def leave_preview(request: HttpRequest) -> HttpResponse:
    form = forms.LeavePreviewForm(request.GET)
    context = {"quote": _quote(request.user, form), "form": form}
    return render(request, "hr/leave/apply.html#preview", context)


def _own(request: HttpRequest, pk) -> LeaveRequest:
    if rbac.allows(request.user, "hr.approve_leave"):
        return get_object_or_404(LeaveRequest, pk=pk)
    return get_object_or_404(LeaveRequest, pk=pk, user=request.user)


@rbac.capability_required("hr.self_service", post_only=True)
@require_POST
def leave_withdraw(request: HttpRequest, pk) -> HttpResponse:
    return refusals.act(
        request,
        services.leave_withdraw,
        leave_request=_own(request, pk),
        done="Request withdrawn.",
        then="my_leave",
    )


@rbac.capability_required("hr.self_service", post_only=True)
@require_POST
def leave_cancel(request: HttpRequest, pk) -> HttpResponse:
    leave_request = _own(request, pk)
    try:
        services.leave_cancel(actor=request.user, request=request, leave_request=leave_request)
    except services.LeaveError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Leave cancelled: the days not taken are back in the balance.")
    if leave_request.user_id != request.user.pk:
        return redirect("leave_decide", pk=pk)
    return redirect("my_leave")


@rbac.capability_required("hr.approve_leave")
def leave_queue(request: HttpRequest) -> HttpResponse:
    # The latest ten decided under the queue; "see all" (?decided=all) pages every decided
    # request with its count, on a page of its own.
    if request.GET.get("decided") == "all":
        decided = paging.page_of(request, selectors.decided_recently(), PER_PAGE)
        context = {"decided": decided, "all_decided": True}
        return render(request, "hr/leave/queue.html", context)
    pending = paging.page_of(
        request,
        selectors.pending_queue(),
        PER_PAGE,
        first_rows=selectors.first_pending(PER_PAGE + 1),
    )
    decided = paging.first_of(
        selectors.decided_recently(),
        DECIDED_SHOWN,
        first_rows=selectors.first_decided(DECIDED_SHOWN + 1),
    )
    context = {"page": pending, "decided": decided, "all_decided": False}
    return render(request, "hr/leave/queue.html", context)


def _decide_page(request: HttpRequest, leave_request: LeaveRequest, form) -> HttpResponse:
    booked = None
    if leave_request.closes_clinic_hours and leave_request.status == LeaveStatus.PENDING:
        parts = selectors.request_parts(leave_request)
        booked = clinical_selectors.appointments_in_days(leave_request.user, parts).count()
    context = {
        "leave_request": leave_request,
        "form": form,
        "booked": booked,
        "balance": selectors.balance_of(
            leave_request.user, leave_request.leave_type, leave_request.start_date.year
        ),
    }
    return render(request, "hr/leave/decide.html", context)


@rbac.capability_required("hr.approve_leave")
def leave_decide(request: HttpRequest, pk) -> HttpResponse:
    leave_request = get_object_or_404(
        LeaveRequest.objects.select_related("user", "leave_type", "decided_by"), pk=pk
    )
    if request.method != "POST":
        return _decide_page(request, leave_request, forms.LeaveDecisionForm())
    form = forms.LeaveDecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = _decide(request, leave_request, form.cleaned_data)
        except submissions.AlreadySubmitted:
            return redirect("leave_queue")
        except services.LeaveError as refusal:
            refusals.refuse_beside(request, form, refusal)
        else:
            messages.success(request, f"{leave_request.user}'s leave: {decision}.")
            return redirect("leave_queue")
    return _decide_page(request, leave_request, form)


def _decide(request: HttpRequest, leave_request: LeaveRequest, typed: dict) -> str:
    if typed["decision"] == "approve":
        services.leave_approve(
            actor=request.user,
            leave_request=leave_request,
            comment=typed["comment"],
            patients_moved_knowingly=typed["patients_moved_knowingly"],
            request=request,
        )
        return "approved"
    services.leave_reject(
        actor=request.user, leave_request=leave_request, comment=typed["comment"], request=request
    )
    return "not approved"


@rbac.capability_required("hr.approve_leave")
def leave_attachment(request: HttpRequest, pk) -> HttpResponse:
    leave_request = get_object_or_404(LeaveRequest, pk=pk)
    if not leave_request.attachment:
        raise Http404("No document was attached.")
    extension = leave_request.attachment.name.rsplit(".", 1)[-1]
    return files.download(
        leave_request.attachment,
        content_type=leave_request.attachment_type,
        filename=f"leave-{leave_request.pk}.{extension}",
    )


@rbac.capability_required("hr.approve_leave")
def leave_away(request: HttpRequest) -> HttpResponse:
    form = forms.AwayForm(request.GET or None)
    typed = form.cleaned_data if form.is_bound and form.is_valid() else {}
    # The departments listed once, read as values: the select is written once and kept.
    departments_listed(form)
    first = typed.get("start") or timezone.localdate()
    department = typed.get("department")
    rows = selectors.who_is_away(first, AWAY_DAYS, department.pk if department else None)
    page = paging.page_of(request, rows, PER_PAGE)
    strip = [first + timedelta(days=n) for n in range(AWAY_DAYS)]
    context = {"form": form, "page": page, "first": first, "strip": strip, "rows": page}
    return render(request, "hr/leave/away.html", context)


@rbac.capability_required("hr.approve_leave")
def leave_balances(request: HttpRequest) -> HttpResponse:
    form = forms.YearForm(request.GET or None)
    year = form.year_or_this()
    q = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    staff, first_rows = selectors.staff_by_name(q, PER_PAGE)
    page = paging.page_of(request, staff, PER_PAGE, first_rows=first_rows)
    leave_types = selectors.active_leave_types()
    balances = selectors.balances_for(page.object_list, year, leave_types)
    rows = [(user, balances[user.pk]) for user in page.object_list]
    context = {"form": form, "year": year, "page": page, "rows": rows, "types": leave_types}
    return render(request, "hr/leave/balances.html", context)


@rbac.capability_required("hr.approve_leave")
def leave_types(request: HttpRequest) -> HttpResponse:
    types = LeaveType.objects.prefetch_related("entitlements")
    return render(request, "hr/leave/types.html", {"types": types})


@rbac.capability_required("hr.approve_leave")
def leave_type_edit(request: HttpRequest, pk) -> HttpResponse:
    leave_type = get_object_or_404(LeaveType, pk=pk)
    days = dict(leave_type.entitlements.values_list("role", "days"))
    form = forms.LeaveTypeForm(request.POST or None, instance=leave_type, entitlements=days)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.LEAVE_TYPE_FIELDS}
        try:
            services.leave_type_update(
                actor=request.user,
                leave_type=LeaveType.objects.get(pk=pk),
                values=values,
                entitlements=form.entitlements(),
                request=request,
            )
        except services.LeaveError as refusal:
            refusals.refuse_into(form, refusal)
        else:
            messages.success(request, f"{values['name']} saved." + merged_note(form))
            return redirect("leave_types")
    # The name as saved, not as typed (a refused form has already written it on the instance).
    shown = LeaveType.objects.get(pk=pk)
    return render(request, "hr/leave/type_edit.html", {"form": form, "leave_type": shown})


@rbac.capability_required("hr.approve_leave")
def closure_days(request: HttpRequest) -> HttpResponse:
    form = forms.ClosureDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_day_add(
                actor=request.user,
                day=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                request=request,
            )
        except services.LeaveError as refusal:
            refusals.refuse_into(form, refusal)
        else:
            booked = (
                f" {closure.booked} booked patient{'s are' if closure.booked != 1 else ' is'}"
                " listed for reception to move."
                if closure.booked
                else ""
            )
            messages.success(request, f"Closure day added: no clinic is booked that day.{booked}")
            return redirect("closure_days")
    page = paging.page_of(request, ClosureDay.objects.order_by("-date"), PER_PAGE)
    return render(request, "hr/leave/closures.html", {"form": form, "page": page})


@rbac.capability_required("hr.approve_leave", post_only=True)
@require_POST
def closure_day_remove(request: HttpRequest, pk) -> HttpResponse:
    return refusals.act(
        request,
        services.closure_day_remove,
        closure=get_object_or_404(ClosureDay, pk=pk),
        done="Closure day removed.",
        then="closure_days",
    )
