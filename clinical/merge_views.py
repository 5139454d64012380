"""Merging duplicate patient records: pick the other record, compare them side by side, choose
the one to keep and confirm (a receptionist with a second person); see a merge and undo it."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import merging, selectors, services
from clinical.forms import MergeForm, SecondPersonForm
from clinical.models import Patient, PatientMerge
from hms import params, rbac
from hms.refusals import refuse_into

CAPABILITY = "patients.merge"


def _patient_or_404(user, patient_id) -> Patient:
    patient = selectors.patient_for(user, patient_id)
    if patient is None:
        raise Http404("No such patient.")
    return patient


def _needs_second_person(user) -> bool:
    return rbac.scope(user, CAPABILITY) != rbac.ALL


@rbac.capability_required(CAPABILITY)
def patient_merge(request: HttpRequest, pk) -> HttpResponse:
    """Find the other record (likely duplicates first); then both side by side, which to keep."""
    patient = _patient_or_404(request.user, pk)
    if patient.merged_into_id:
        return _merged_already(request, patient)
    other = _other_record(request)
    if other is None or other.pk == patient.pk:
        return _pick_page(request, patient)
    form = MergeForm(request.POST or None, first=patient, second=other, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            merge = services.patient_merge(
                actor=request.user,
                survivor=form.kept,
                merged=form.merged,
                confirmed_by=form.confirmer,
                request=request,
            )
        except services.MergeRefused as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(request, _merged_text(merge))
            return redirect(merge)
    return _compare_page(request, patient, other, form)


def _other_record(request: HttpRequest) -> Patient | None:
    """The record to compare with (`other`, in the link or the posted form), if one is given."""
    other_id = params.uuid_param(request.POST.get("other") or request.GET.get("other"))
    return selectors.patient_for(request.user, other_id) if other_id else None


def _merged_already(request: HttpRequest, patient: Patient) -> HttpResponse:
    live = merging.live_record(patient)
    messages.info(request, f"MRN {patient.mrn} is already merged into MRN {live.mrn}.")
    return redirect("patient_chart", pk=live.pk)


def _merged_text(merge: PatientMerge) -> str:
    return (
        f"MRN {merge.merged.mrn} is merged into {merge.survivor.full_name}'s record"
        f" (MRN {merge.survivor.mrn}): {merge.rows_moved} records moved."
    )


def _compare_page(
    request: HttpRequest, patient: Patient, other: Patient, form: MergeForm
) -> HttpResponse:
    if request.method == "GET":  # both records' details are shown: audited as chart views
        for record in (patient, other):
            services.patient_chart_opened(actor=request.user, patient=record, request=request)
    context = {
        "patient": patient,
        "other": other,
        "form": form,
        "holdings": merging.holdings(patient, other),
        "needs_second_person": _needs_second_person(request.user),
        "unmerge_days": settings.HMS_PATIENT_UNMERGE_DAYS,
    }
    return render(request, "clinical/patient_merge.html", context)


def _pick_page(request: HttpRequest, patient: Patient) -> HttpResponse:
    query = params.search_text(request.GET.get("q"))
    found = []
    if query:
        found = [p for p in selectors.patient_search(query, include_archived=True) if p != patient]
    likely = selectors.likely_duplicates(
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        phone=patient.phone,
        member_number=patient.member_key,
        scheme=(patient.insurance or {}).get("provider", ""),
        exclude=patient,
    )
    context = {"patient": patient, "query": query, "found": found, "likely": likely}
    return render(request, "clinical/patient_merge_pick.html", context)


def _merge_or_404(pk) -> PatientMerge:
    merge_id = params.db_id(pk)
    merge = (
        PatientMerge.objects.select_related(
            "survivor", "merged", "merged_by", "confirmed_by", "unmerged_by"
        )
        .filter(pk=merge_id)
        .first()
        if merge_id
        else None
    )
    if merge is None:
        raise Http404("No such merge.")
    return merge


def _merge_page(request: HttpRequest, merge: PatientMerge, form: SecondPersonForm) -> HttpResponse:
    labels = {merging.relation_key(f): merging.relation_label(f) for f in merging.merge_relations()}
    moved = [
        {
            "label": labels.get(f"{entry['model']}.{entry['field']}", entry["model"]),
            "key": f"{entry['model']}.{entry['field']}",
            "count": len(entry["pks"]),
        }
        for entry in merge.moved
    ]
    moved.sort(key=lambda row: row["label"])
    deadline = merging.unmerge_deadline(merge)
    context = {
        "merge": merge,
        "moved": moved,
        "deadline": deadline,
        "may_undo": not merge.is_undone and timezone.now() <= deadline,
        "form": form,
        "needs_second_person": _needs_second_person(request.user),
        "unmerge_days": settings.HMS_PATIENT_UNMERGE_DAYS,
    }
    return render(request, "clinical/patient_merge_detail.html", context)


@rbac.capability_required(CAPABILITY)
def patient_merge_detail(request: HttpRequest, pk) -> HttpResponse:
    """A merge: the two records, who merged and who confirmed, what moved; undo while allowed."""
    merge = _merge_or_404(pk)
    form = SecondPersonForm(needs_second_person=_needs_second_person(request.user))
    return _merge_page(request, merge, form)


@rbac.capability_required(CAPABILITY, post_only=True)
@require_POST
def patient_unmerge(request: HttpRequest, pk) -> HttpResponse:
    merge = _merge_or_404(pk)
    form = SecondPersonForm(
        request.POST, request=request, needs_second_person=_needs_second_person(request.user)
    )
    if form.is_valid():
        try:
            services.patient_unmerge(
                actor=request.user, merge=merge, confirmed_by=form.confirmer, request=request
            )
        except services.MergeRefused as refusal:
            refuse_into(form, refusal)
        else:
            messages.success(
                request,
                f"The merge is undone: MRN {merge.merged.mrn} is a record of its own again, with"
                " what it had before the merge.",
            )
            return redirect("patient_chart", pk=merge.merged_id)
    return _merge_page(request, _merge_or_404(pk), form)
