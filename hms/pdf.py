"""PDF documents with WeasyPrint: HTML and CSS in, an inline PDF response out."""

from django.conf import settings
from django.http import HttpResponse


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango, which pages do not need

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(html: str, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    # Inline: the browser opens it, and its print dialog is one click away.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
