"""Private files: what may be uploaded, and signed, expiring links to download them.

Files are never served from a public URL. A page shows a link carrying a signed, timestamped
token; the download view checks the signature, its age (SIGNED_URL_MAX_AGE) and the user's right
to the record again, then streams the file (local storage) or redirects to a short-lived S3
presigned URL.
"""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from hms.refusals import Refusal

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Recognised by their first bytes, not by the name or the browser's claim.
MAGIC = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


class UploadRefused(Refusal):
    """A file that may not be stored, with the sentence the uploader reads."""


class StorageUnavailable(UploadRefused):
    """The file store (the S3 bucket, or the disk) did not take the file; nothing was saved."""


STORE_FAILED = (
    "The document store is not answering, so nothing was saved. Try again in a few minutes;"
    " if it keeps happening, tell IT."
)


def store(file: FieldFile, name: str, content) -> None:
    """Write `content` (a File or an upload) to private storage as `file`, named from `name` by
    the field's upload_to; the model row is not saved (the caller saves it after, so a failed
    write leaves no row pointing at nothing).

    Raises StorageUnavailable when the store refuses or cannot be reached (S3 down, the link to
    it down, the disk full or read-only), with the sentence the uploader reads.
    """
    try:
        file.save(name, content, save=False)
    except (BotoCoreError, ClientError, OSError) as error:
        logger.warning("files: the store refused %s: %s", type(error).__name__, error)
        raise StorageUnavailable(STORE_FAILED) from error


def check_upload(upload) -> str:
    """The real content type of an uploaded PDF/JPEG/PNG, or UploadRefused."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1048576} MB."
        )
    if upload.size == 0:
        raise UploadRefused("The file is empty.")
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in MAGIC.items():
        if head.startswith(magic):
            return content_type
    raise UploadRefused("Only PDF documents and JPEG or PNG pictures can be uploaded.")


def sign(kind: str, object_id) -> str:
    return signing.dumps({"k": kind, "id": str(object_id)}, salt="hms.files", compress=True)


def unsign(token: str, kind: str) -> str | None:
    """The object id the token was made for, or None when it is forged, expired or another kind."""
    try:
        data = signing.loads(token, salt="hms.files", max_age=settings.SIGNED_URL_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("id") if data.get("k") == kind else None


def download(file: FieldFile, *, content_type: str, filename: str) -> HttpResponse:
    """The response that hands over a stored file: a redirect to a presigned URL that expires by
    itself on S3, the file streamed from private storage otherwise."""
    if hasattr(default_storage, "bucket_name"):
        return HttpResponseRedirect(file.url)
    return FileResponse(file.open("rb"), content_type=content_type, filename=filename)
