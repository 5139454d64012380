"""Patient documents: upload (type and size checked) and download through signed, expiring links."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinical import selectors, services
from clinical.models import PatientDocument
from hms import files, paging, params, rbac

DOCUMENT_LINK = "document"
DOCUMENTS_PER_PAGE = 25
TITLE_LIMIT = params.model_limit(PatientDocument, "title")


def download_url(document: PatientDocument) -> str:
    return reverse("document_download", args=[files.sign(DOCUMENT_LINK, document.pk)])


def _patient(request: HttpRequest, pk):
    patient = selectors.live_patient_for(request.user, pk)
    if patient is None:
        raise Http404("No such patient.")
    return patient


@rbac.capability_required("patients.view_chart", scopes={rbac.ALL})
def patient_documents(request: HttpRequest, pk) -> HttpResponse:
    return _documents_page(request, _patient(request, pk))


def _documents_page(
    request: HttpRequest, patient, *, errors: dict | None = None, typed: dict | None = None
) -> HttpResponse:
    """The patient's documents, newest first and paged; a refused upload shows its message beside
    its field and keeps the title and kind typed (a browser never keeps a chosen file)."""
    page = paging.page_of(
        request,
        patient.documents.select_related("uploaded_by").order_by("-uploaded_at", "-pk"),
        DOCUMENTS_PER_PAGE,
    )
    context = {
        "patient": patient,
        "page": page,
        "documents": [(document, download_url(document)) for document in page.object_list],
        "kinds": PatientDocument.Kind.choices,
        "can_upload": rbac.allows(request.user, "clinical.consult"),
        "max_mb": files.MAX_UPLOAD_BYTES // 1048576,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "clinical/patient_documents.html", context)


@rbac.capability_required("clinical.consult", post_only=True)
@require_POST
def document_upload(request: HttpRequest, pk) -> HttpResponse:
    patient = _patient(request, pk)
    kind = params.choice_param(
        request.POST.get("kind", PatientDocument.Kind.NOTE), PatientDocument.Kind.choices
    )
    try:
        services.document_upload(
            actor=request.user,
            patient=patient,
            title=_posted_title(request),
            upload=_posted_file(request),
            kind=kind or PatientDocument.Kind.OTHER,
            request=request,
        )
    except params.ValueRefused as refusal:
        errors = {refusal.field: str(refusal)}
    except files.UploadRefused as refusal:
        errors = {"file": f"{refusal} Choose the file again."}
    else:
        messages.success(request, "Document uploaded.")
        return redirect("patient_documents", pk=patient.pk)
    typed = {"title": request.POST.get("title", ""), "kind": kind}
    return _documents_page(request, patient, errors=errors, typed=typed)


def _posted_title(request: HttpRequest) -> str:
    try:
        return params.bounded_text(request.POST.get("title"), limit=TITLE_LIMIT, label="Title")
    except params.ValueRefused as refusal:
        raise params.ValueRefused(str(refusal), field="title") from refusal


def _posted_file(request: HttpRequest):
    """The chosen file (checked by the service: type and size)."""
    upload = request.FILES.get("file")
    if upload is None:
        raise params.ValueRefused("Choose a file to upload.", field="file")
    return upload


@rbac.capability_required("patients.view_chart", scopes={rbac.ALL})
def document_download(request: HttpRequest, token: str) -> HttpResponse:
    """Only with a fresh, untampered link, and only for someone who may open the chart."""
    document = selectors.document_for(request.user, files.unsign(token, DOCUMENT_LINK))
    if document is None:
        raise Http404("This link is not valid any more. Open the document from the chart again.")
    services.document_downloaded(actor=request.user, document=document, request=request)
    return files.download(
        document.file,
        content_type=document.content_type,
        filename=f"{document.title}{document.extension}",
    )
