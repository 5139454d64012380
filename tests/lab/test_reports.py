"""Report PDFs: checked uploads, private storage, and signed expiring links for staff and for the
patient the result belongs to once it is verified."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hms import files, rbac
from hms.models import AuditEntry
from lab import services
from lab.models import OrderStatus, TestOrder
from lab.views import report_url
from tests.lab.conftest import advance, make_patient, order, walk

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def portal_patient(make_user):
    me = make_user(rbac.PATIENT)
    return me, make_patient(user=me)


@pytest.fixture
def xray(staff, catalog, portal_patient):
    """A chest X-ray of the portal patient, in progress."""
    _me, patient = portal_patient
    (placed,) = order(staff, catalog, patient, "XR-CHEST")
    return walk(placed, OrderStatus.IN_PROGRESS, staff)


def attach(client, placed, content: bytes, name: str = "report.pdf"):
    return client.post(
        reverse("lab_report_attach", args=[placed.pk]),
        {"report": SimpleUploadedFile(name, content)},
        follow=True,
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def finish(staff, placed, findings="No active lung disease."):
    services.results_enter(actor=staff["tech"], order=placed, values={}, findings=findings)
    advance(placed, OrderStatus.COMPLETED, staff["tech"])
    return advance(placed, OrderStatus.VERIFIED, staff["tech2"])


def test_a_pdf_report_is_stored_privately_and_staff_open_it_through_a_signed_link(
    staff, xray, client_for
):
    page = attach(client_for(staff["tech"]), xray, PDF, "Chest X-ray Otieno.pdf")

    xray.refresh_from_db()
    assert "Report attached." in page.content.decode()
    assert xray.report.name.startswith(f"lab/{xray.pk}/") and "Otieno" not in xray.report.name
    assert xray.report_size == len(PDF)
    # The link the page shows is the one people click (signed, with its own timestamp).
    link = re.search(r'href="([^"]+)"[^>]*data-testid="report-link"', page.content.decode())[1]
    assert link.startswith("/lab/reports/") and files.unsign(link.split("/")[-2], "lab-report")
    for role in ("doctor", "nurse", "tech", "admin"):
        response = client_for(staff[role]).get(link)
        assert response.status_code == 200, role
        assert response["Content-Type"] == "application/pdf" and body(response) == PDF
    assert AuditEntry.objects.filter(action="lab.report_download").count() == 4


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG, "xray.png", "The report must be a PDF."),
        (PNG, "xray.pdf", "The report must be a PDF."),
        (b"MZ\x90\x00 not a pdf at all", "report.pdf", "Only PDF documents and JPEG or PNG"),
        (b"", "report.pdf", "The file is empty."),
        (PDF + b"0" * (files.MAX_UPLOAD_BYTES + 1), "big.pdf", "the limit is 10 MB"),
    ],
)
def test_anything_but_a_pdf_of_at_most_10_mb_is_refused(
    staff, xray, client_for, content, name, message
):
    page = attach(client_for(staff["tech"]), xray, content, name)

    assert message in page.content.decode()
    xray.refresh_from_db()
    assert (xray.report.name, xray.report_size) == ("", 0)
    assert not AuditEntry.objects.filter(action="lab.report").exists()


def test_a_report_is_attached_only_while_the_test_is_being_done(staff, catalog, client_for):
    (pending,) = order(staff, catalog, make_patient(), "ECG")

    page = attach(client_for(staff["tech"]), pending, PDF)

    assert f"{pending.number} is pending" in page.content.decode()
    assert not TestOrder.objects.get(pk=pending.pk).report


def test_the_patient_opens_their_report_only_once_verified(staff, xray, portal_patient, client_for):
    me, _patient = portal_patient
    attach(client_for(staff["tech"]), xray, PDF)
    xray.refresh_from_db()
    link = report_url(xray)
    portal = client_for(me)

    before = portal.get(link)
    finish(staff, xray)
    page = portal.get(reverse("lab_portal_results")).content.decode()
    after = portal.get(link)

    assert before.status_code == 404
    assert 'data-testid="portal-report"' in page and "No active lung disease." in page
    assert after.status_code == 200 and body(after) == PDF


def test_another_patient_cannot_open_the_report_even_with_the_link(
    staff, xray, make_user, client_for
):
    attach(client_for(staff["tech"]), xray, PDF)
    finish(staff, xray)
    stranger = make_user(rbac.PATIENT)
    make_patient(user=stranger)

    response = client_for(stranger).get(report_url(TestOrder.objects.get(pk=xray.pk)))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="lab.report_download").exists()


def test_an_expired_a_forged_or_another_kind_of_link_is_refused(staff, xray, client_for):
    attach(client_for(staff["tech"]), xray, PDF)
    doctor = client_for(staff["doctor"])
    fresh = report_url(TestOrder.objects.get(pk=xray.pk))

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        expired = doctor.get(fresh)
    forged = doctor.get(fresh[:-4] + "abc/")
    document_link = doctor.get(reverse("lab_report", args=[files.sign("document", xray.pk)]))
    made_up = doctor.get(reverse("lab_report", args=["not-a-token"]))

    assert [r.status_code for r in (expired, forged, document_link, made_up)] == [404] * 4
    assert doctor.get(fresh).status_code == 200


@pytest.mark.parametrize(
    "role", [rbac.RECEPTIONIST, rbac.ACCOUNTANT, rbac.PHARMACIST, rbac.ENGINEER]
)
def test_roles_that_do_not_view_results_get_403(staff, xray, make_user, client_for, role):
    attach(client_for(staff["tech"]), xray, PDF)
    finish(staff, xray)

    response = client_for(make_user(role)).get(report_url(TestOrder.objects.get(pk=xray.pk)))

    assert response.status_code == 403


def test_an_imaging_result_reported_only_by_its_pdf_reaches_the_patient_once_verified(
    staff, xray, portal_patient, client_for
):
    """The radiologist's PDF is the whole result: no findings typed in."""
    me, _patient = portal_patient
    attach(client_for(staff["tech"]), xray, PDF)
    advance(xray, OrderStatus.COMPLETED, staff["tech"])
    advance(xray, OrderStatus.VERIFIED, staff["tech2"])
    xray.refresh_from_db()
    portal = client_for(me)

    page = portal.get(reverse("lab_portal_results")).content.decode()
    download = portal.get(report_url(xray))

    assert xray.status == OrderStatus.VERIFIED
    assert "Chest X-ray" in page and 'data-testid="portal-report"' in page, (
        f"not in the portal (verified_version={xray.verified_version})"
    )
    assert download.status_code == 200 and body(download) == PDF


def test_a_report_replaced_during_an_amendment_is_not_shown_to_the_patient_before_verification(
    staff, xray, portal_patient, client_for
):
    me, _patient = portal_patient
    tech = client_for(staff["tech"])
    attach(tech, xray, PDF)
    finish(staff, xray)
    services.results_amend(
        actor=staff["tech"],
        order=xray,
        values={},
        findings="Small right pleural effusion.",
        reason="Second reader",
    )
    corrected = PDF.replace(b"%%EOF", b"% corrected, not verified yet\n%%EOF")
    attach(tech, xray, corrected)
    xray.refresh_from_db()

    download = client_for(me).get(report_url(xray))

    assert xray.status == OrderStatus.COMPLETED and xray.verified_version == 1
    assert download.status_code == 200 and body(download) == PDF


def test_with_the_file_store_down_a_report_is_refused_and_the_test_is_unchanged(
    staff, xray, client_for, store_down
):
    before = TestOrder.objects.get(pk=xray.pk)

    page = attach(client_for(staff["tech"]), xray, PDF)

    assert "The document store is not answering, so nothing was saved" in page.content.decode()
    after = TestOrder.objects.get(pk=xray.pk)
    assert not after.report and after.result_version == before.result_version
    assert after.versions.count() == before.versions.count()
