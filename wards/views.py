"""Ward screens: the live bed board, admitting, an admission (transfer, discharge), wards admin."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinical import episode_record
from clinical import selectors as clinical
from hms import paging, params, rbac
from hms.pdf import pdf_response
from hms.refusals import act, refuse_beside, refuse_into
from wards import selectors, services
from wards.forms import (
    AdmissionForm,
    DischargeSummaryForm,
    NoteForm,
    OpenOrderDecisionForm,
    TransferForm,
    WardForm,
)
from wards.live import BOARD_SCOPES
from wards.models import Admission, Bed, BedStatus, InpatientNote, Ward


@rbac.capability_required("patients.view_chart", scopes=BOARD_SCOPES)
def bed_board(request: HttpRequest) -> HttpResponse:
    return _board_page(request)


def _board_page(request: HttpRequest, **refused) -> HttpResponse:
    """The board (its fragment for htmx); after a refused bed action (`refused_bed`,
    `bed_refusal`) the sentence shows on that bed's tile."""
    asked = request.GET
    if request.method == "POST" and request.htmx and request.htmx.current_url:
        # A tile's action answers with the board the person is looking at: its ward pick.
        asked = QueryDict(urlsplit(request.htmx.current_url).query)
    ward_id = params.db_id(asked.get("ward"))
    context = selectors.bed_board(request.user, ward_id=ward_id) | {
        "ward_id": str(ward_id or ""),
        "can_admit": rbac.allows(request.user, "wards.admit"),
    }
    template = "wards/bed_board.html"
    if request.htmx and request.htmx.target == "bed-board":
        template += "#board"
    return render(request, template, context | refused)


# The ward a nurse last picked on her home, kept for the shift (the session), not for ever.
WARD_PICKED = "wards.ward_patients.ward"


@rbac.capability_required("patients.view_chart", scopes=selectors.CLINICAL_SCOPES)
def ward_patients(request: HttpRequest) -> HttpResponse:
    """The ward's patients and what is due, bed by bed: a page of its own, and the panel the
    nurse's home loads (and reloads on every bed or vitals change). `?ward=<id>` picks a ward
    (remembered in the session), `?ward=` every ward."""
    if "ward" in request.GET:
        request.session[WARD_PICKED] = params.db_id(request.GET["ward"])
    ward_id = request.session.get(WARD_PICKED)
    context = selectors.ward_patients(request.user, ward_id=ward_id)
    if ward_id is not None and not context["wards"]:  # the picked ward was closed since
        request.session.pop(WARD_PICKED, None)
        ward_id = None
        context = selectors.ward_patients(request.user)
    # Where a bed marked clean comes back to: the page the panel is on (the home), or this one.
    here = (request.htmx and request.htmx.current_url_abs_path) or request.get_full_path()
    context |= {"ward_id": str(ward_id or ""), "here": here}
    template = "wards/ward_patients.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)


@rbac.capability_required("clinical.consult")
def doctor_inpatients(request: HttpRequest) -> HttpResponse:
    """The doctor's own inpatients, the highest NEWS2 first, with when the next set is due: a
    panel of the doctor's dashboard (reloaded on every bed or vitals change) and a page."""
    context = selectors.ward_patients(request.user, attending=request.user)
    template = "wards/doctor_inpatients.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)


def _patient_for_admission(request: HttpRequest):
    patient_id = params.uuid_param(request.POST.get("patient") or request.GET.get("patient"))
    return clinical.live_patient_for(request.user, patient_id) if patient_id else None


@rbac.capability_required("wards.admit")
def admission_new(request: HttpRequest) -> HttpResponse:
    initial = {
        "bed": params.db_id(request.GET.get("bed")),
        "patient": params.uuid_param(request.GET.get("patient")),
    }
    form = AdmissionForm(request.POST or None, initial=initial)
    patient = _patient_for_admission(request)
    if request.method == "POST" and form.is_valid():
        if patient is None:
            form.add_error("patient", "Choose the patient (search above).")
        else:
            try:
                admission = _admit(request, patient, form.cleaned_data)
            except services.WardError as refusal:
                # The bed list is read again when the form is shown: the board as it is now.
                refuse_into(form, refusal)
            else:
                messages.success(request, f"{patient.full_name} is admitted to {admission.bed}.")
                return redirect("admission_detail", pk=admission.pk)
    return render(request, "wards/admission_new.html", {"form": form, "patient": patient})


def _admit(request: HttpRequest, patient, data: dict) -> Admission:
    """Admit `patient` as the admission form (`data`, cleaned) asks."""
    return services.admission_create(
        actor=request.user,
        patient=patient,
        attending_doctor=data["attending_doctor"],
        bed=data["bed"],
        reason=data["reason"],
        diagnosis=data["diagnosis"],
        expected_days=data["expected_days"],
        advance_deposit=data["advance_deposit"] or 0,
        deposit_mode=data["deposit_mode"],
        deposit_reference=data["deposit_reference"],
        request=request,
    )


def _admission(request: HttpRequest, pk: int) -> Admission:
    admission = selectors.admission_by_id(pk)
    if admission is None:
        raise Http404("No such admission.")
    return admission


@rbac.capability_required("patients.view_chart", scopes=BOARD_SCOPES)
def admission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _admission_page(request, _admission(request, pk))


def _admission_page(request: HttpRequest, admission: Admission, **refused_forms) -> HttpResponse:
    """The admission's page; a refused form (`transfer_form=...`, `summary_form=...`) shows its
    messages beside its fields and keeps what was typed."""
    context = selectors.admission_page(
        request.user, admission, notes_page_number=paging.page_number(request)
    )
    return render(request, "wards/admission_detail.html", context | refused_forms)


def _act(request: HttpRequest, pk: int, action, done: str, **kwargs) -> HttpResponse:
    admission = _admission(request, pk)
    then = admission.get_absolute_url()
    return act(request, action, done=done, then=then, admission=admission, **kwargs)


def _decide(request: HttpRequest, pk: int, form, name: str, action, done: str) -> HttpResponse:
    """Transfer or order the discharge: a bad value or a refusal re-renders the page with the
    form as typed (a refusal about the stay, e.g. a bed taken a moment ago, above the form)."""
    admission = _admission(request, pk)
    if form.is_valid():
        try:
            action(actor=request.user, admission=admission, request=request, **form.answers())
        except services.WardError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, done)
            return redirect(admission.get_absolute_url())
    return _admission_page(request, admission, **{name: form})


@rbac.capability_required("wards.admit", post_only=True)
@require_POST
def admission_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    form = TransferForm(request.POST, current_bed_id=_admission(request, pk).bed_id)
    done = "Transferred. The old bed is waiting to be cleaned."
    return _decide(request, pk, form, "transfer_form", services.admission_transfer, done)


@rbac.capability_required("wards.order_discharge", post_only=True)
@require_POST
def discharge_order(request: HttpRequest, pk: int) -> HttpResponse:
    form = DischargeSummaryForm(request.POST)
    done = "Discharge ordered: reception completes it."
    return _decide(request, pk, form, "summary_form", services.discharge_order, done)


@rbac.capability_required("wards.order_discharge", post_only=True)
@require_POST
def discharge_open_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel one open order of the stay, or carry it over to outpatient follow-up."""
    form = OpenOrderDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason (at most 200 characters), then choose again.")
        return redirect("admission_detail", pk=pk)
    data = form.cleaned_data
    cancelled = data["decision"] == "cancel"
    return _act(
        request,
        pk,
        services.discharge_open_order_settle,
        "Cancelled; its charge is reversed."
        if cancelled
        else "Carried over to outpatient follow-up.",
        source=data["source"],
        order_id=data["order"],
        decision=data["decision"],
        reason=data["reason"],
    )


@rbac.capability_required("wards.admit", post_only=True)
@require_POST
def discharge_process(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete the discharge; refused for the bill, the page again with the sentence beside the
    bill's figures (nothing changed), otherwise above the page."""
    admission = _admission(request, pk)
    try:
        services.discharge_process(actor=request.user, admission=admission, request=request)
    except services.WardError as refusal:
        if refusal.field == "bill":
            return _admission_page(request, admission, discharge_refusal=str(refusal))
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Discharged. The bed is waiting to be cleaned.")
    return redirect(admission.get_absolute_url())


@rbac.capability_required("patients.view_chart", scopes=selectors.CLINICAL_SCOPES)
def discharge_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    admission = _admission(request, pk)
    if not admission.discharge_ordered_at:
        raise Http404("No discharge summary yet.")
    html = render_to_string(
        "wards/discharge_summary_pdf.html",
        {
            "admission": admission,
            "patient": admission.patient,
            "stays": admission.stays.select_related("bed", "ward"),
            # The episode's tests with their verified results and flags (lab's, by registry).
            "investigations": episode_record.investigations(admission),
            "allergies": admission.patient.allergy_records.filter(removed_at__isnull=True),
            "hospital": {"name": settings.HOSPITAL_NAME, "address": settings.HOSPITAL_ADDRESS},
            "printed_at": timezone.now(),
        },
    )
    return pdf_response(html, f"discharge-{admission.patient.mrn}-{admission.pk}.pdf")


@rbac.capability_required("wards.admit", post_only=True)
@require_POST
def bed_status(request: HttpRequest, pk: int) -> HttpResponse:
    bed = get_object_or_404(Bed, pk=pk)
    status = params.choice_param(request.POST.get("status"), BedStatus.choices)
    if not status:  # about the bed's own form: said on its tile
        return _board_page(request, refused_bed=bed.pk, bed_refusal="Choose the bed's new state.")
    try:
        services.bed_set_status(actor=request.user, bed=bed, status=status, request=request)
    except services.WardError as refusal:
        # About the bed as it is now (taken, no longer cleaning): a message above the board.
        messages.error(request, str(refusal))
        return _board_page(request)
    if request.htmx:
        return _board_page(request)
    # A plain form (the nurse's home) comes back where it was sent from.
    return redirect(params.safe_next(request, "bed_board"))


@rbac.capability_required("wards.manage")
def ward_list(request: HttpRequest) -> HttpResponse:
    form = WardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ward_create(actor=request.user, request=request, **form.cleaned_data)
        except services.WardError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Ward opened.")
            return redirect("ward_list")
    wards = Ward.objects.annotate(bed_count=Count("beds")).order_by("kind", "name")
    return render(request, "wards/ward_list.html", {"form": form, "wards": wards})


@rbac.capability_required("wards.manage", post_only=True)
@require_POST
def ward_add_bed(request: HttpRequest, pk: int) -> HttpResponse:
    bed = services.ward_add_bed(
        actor=request.user, ward=get_object_or_404(Ward, pk=pk), request=request
    )
    messages.success(request, f"{bed} added.")
    return redirect("ward_list")


# --- ward-round and nursing notes ----------------------------------------------------------------


@rbac.capability_required("wards.notes", post_only=True)
@require_POST
def admission_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a note of the stay; a refusal shows beside the note with what was typed."""
    admission = _admission(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_write(
                actor=request.user,
                admission=admission,
                text=form.cleaned_data["text"],
                request=request,
            )
        except services.WardError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, "Note saved and signed.")
            return redirect(admission.get_absolute_url() + "#notes")
    return _admission_page(request, admission, note_form=form)


def _note(request: HttpRequest, pk: int) -> InpatientNote:
    note = get_object_or_404(InpatientNote.objects.select_related("admission"), pk=pk)
    _admission(request, note.admission_id)  # the stay as the person may see it (404 otherwise)
    return note


@rbac.capability_required("wards.notes")
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct one's own note within the minutes allowed; after them, the way to an addendum."""
    note = _note(request, pk)
    if note.author_id != request.user.pk:  # another's note is answered by an addendum
        messages.info(request, "Only its author corrects a note: add an addendum to it instead.")
        return redirect(note.admission.get_absolute_url() + "#notes")
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_edit(
                actor=request.user, note=note, text=form.cleaned_data["text"], request=request
            )
        except services.WardError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, "Note corrected.")
            return redirect(note.admission.get_absolute_url() + "#notes")
    return render(
        request,
        "wards/note_edit.html",
        {
            "note": note,
            "form": form,
            "editable_until": services.note_editable_until(note),
            "still_editable": timezone.now() <= services.note_editable_until(note),
        },
    )


@rbac.capability_required("wards.notes", post_only=True)
@require_POST
def note_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    """Add to a note that stands as written; a refusal shows beside that note's addendum box."""
    note = _note(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_addendum(
                actor=request.user, note=note, text=form.cleaned_data["text"], request=request
            )
        except services.WardError as refusal:
            refuse_beside(request, form, refusal)
        else:
            messages.success(request, "Addendum saved and signed.")
            return redirect(note.admission.get_absolute_url() + f"#note-{note.pk}")
    return _admission_page(request, note.admission, addendum_form=form, addendum_note_id=note.pk)


@rbac.capability_required("beds.maintenance")
def ward_beds(request: HttpRequest, pk: int) -> HttpResponse:
    """A ward's beds for the administrator: each one's state since when, out of service and back."""
    ward = get_object_or_404(Ward, pk=pk)
    if request.method == "POST":
        _move_bed(request, ward)
        return redirect("ward_beds", pk=ward.pk)
    beds = selectors.ward_beds(request.user, ward=ward)
    return render(request, "wards/ward_beds.html", {"ward": ward, "beds": beds})


def _move_bed(request: HttpRequest, ward: Ward) -> None:
    """The beds page's button (`bed`, `status`), what came of it as a message: pressed twice, the
    bed is found already there and nothing changes twice; a bed that changed meanwhile is refused.
    """
    bed = Bed.objects.filter(ward=ward, pk=params.db_id(request.POST.get("bed"))).first()
    status = params.choice_param(request.POST.get("status"), BedStatus.choices)
    if bed is None or not status:
        messages.error(request, "Choose a bed of this ward and what to do with it.")
    elif bed.status == status:
        messages.info(request, f"{bed} is already {services.BED_STATE_WORDS.get(status, status)}.")
    else:
        try:
            services.bed_set_status(actor=request.user, bed=bed, status=status, request=request)
        except services.WardError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"{bed} is now {services.BED_STATE_WORDS.get(status, status)}."
            )
