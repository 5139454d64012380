"""Patient documents: uploading a file to the chart and the audited download of one."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from clinical.models import (
    Patient,
    PatientDocument,
)
from hms import audit, files


@transaction.atomic
def document_downloaded(
    *, actor: User, document: PatientDocument, request: HttpRequest | None = None
) -> None:
    """Every download of a patient's document is audited: who took a copy of what, and when.

    Raises no domain error.
    """
    audit.record(
        actor=actor,
        action="document.download",
        obj=document,
        patient=document.patient,
        request=request,
    )


@transaction.atomic
def document_upload(
    *,
    actor: User,
    patient: Patient,
    upload: UploadedFile,
    title: str,
    kind: str = PatientDocument.Kind.NOTE,
    request: HttpRequest | None = None,
) -> PatientDocument:
    """Store a PDF/JPEG/PNG in private storage (type recognised from its bytes, size checked).

    Raises UploadRefused (hms.files) when the file is empty, too large or not an allowed type,
    StorageUnavailable (one of them) when the store does not take it;
    django's ValidationError when a field fails validation.
    """
    content_type = files.check_upload(upload)
    title = title.strip() or "Document"
    document = PatientDocument(
        patient=patient,
        kind=kind,
        title=title[:120],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    document.full_clean(exclude=["file"])
    files.store(document.file, "upload", upload)
    document.save()
    audit.record(
        actor=actor,
        action="document.upload",
        obj=document,
        patient=patient,
        after={"title": document.title, "kind": kind, "size": document.size, "type": content_type},
        request=request,
    )
    return document
