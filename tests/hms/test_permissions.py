"""The permission matrix, walked over every URL the project defines.

For anonymous and for each role, with and without HX-Request, every URL answers as hms.rbac says:
allowed -> 200/302 (405 for a POST-only action opened with GET), denied -> 403 with no patient
data, anonymous -> the login page (HX-Redirect for htmx). A URL whose view declares no capability,
or whose arguments this test cannot fill, fails the walk: a new screen cannot ship without a rule.
"""

from datetime import time
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from billing import services as billing_services
from billing.models import InsuranceClaim
from clinical.models import PatientDocument, PatientMerge, Prescription
from engineering import services as engineering
from hms import files, rbac
from hms.api import is_api_view
from hms.models import AuditEntry
from hr.leave_defaults import ensure_leave_types
from hr.models import ClosureDay, LeaveRequest, LeaveType, Shift
from messaging.models import Message, Notification, Thread, ThreadMember
from queues import services as queues
from queues.models import DisplayScreen, PointKind, ServicePoint
from tests.clinical import matrix_allergies
from tests.conftest import sign_in
from tests.factories import (
    AdmissionFactory,
    AppointmentFactory,
    ChargeFactory,
    ChargeItemFactory,
    DoctorScheduleFactory,
    EncounterFactory,
    InvoiceFactory,
    LabOrderFactory,
    PatientFactory,
    ReferenceRangeFactory,
    UserFactory,
    invoice_issued,
    payment_taken,
)
from tests.pharmacy import matrix_samples as pharmacy_samples
from wards.models import InpatientNote, NoteKind

MORNING = {"starts_at": time(7), "ends_at": time(15)}

# A name that only the sample records carry: it must never appear on a 403 page.
SECRET_NAME = "Zebedee-Quillfeather"


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def project_urls() -> list[tuple[str, URLPattern]]:
    """Every URL of the screens (the JSON API's have their own walk: tests/api/)."""
    return [
        (route, pattern)
        for route, pattern in walk(get_resolver().url_patterns)
        if not is_api_view(pattern.callback)
    ]


def sample_kwargs(samples) -> dict[str, dict]:
    """Arguments for every URL that takes some, from real sample records."""
    return {
        "user_edit": {"pk": samples["subject"].pk},
        "user_deactivate": {"pk": samples["subject"].pk},
        "user_activate": {"pk": samples["subject"].pk},
        "user_set_password": {"pk": samples["subject"].pk},
        "user_remove_second_factor": {"pk": samples["subject"].pk},
        "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-real-key"},
        "notification_open": {"pk": samples["notification"].pk},
        "notification_acknowledge": {"pk": samples["notification"].pk},
        "chat_thread": {"pk": samples["thread"].pk},
        "shift_edit": {"pk": Shift.objects.get_or_create(name="Morning", defaults=MORNING)[0].pk},
        "patient_chart": {"pk": samples["patient"].pk},
        "appointment_detail": {"pk": samples["appointment"].pk},
        "appointment_reschedule": {"pk": samples["appointment"].pk},
        "appointment_cancel": {"pk": samples["appointment"].pk},
        "appointment_check_in": {"pk": samples["appointment"].pk},
        "appointment_no_show": {"pk": samples["appointment"].pk},
        "to_move_offers": {"pk": samples["appointment"].pk},
        "to_move_move": {"pk": samples["appointment"].pk},
        "to_move_cancel": {"pk": samples["appointment"].pk},
        "schedule_block_remove": {"pk": samples["block"].pk},
        "encounter_start": {"appointment_pk": samples["appointment"].pk},
        "encounter": {"pk": samples["encounter"].pk},
        "encounter_complete": {"pk": samples["encounter"].pk},
        "encounter_draft": {"pk": samples["encounter"].pk},
        "encounter_draft_discard": {"pk": samples["encounter"].pk},
        "prescription_add": {"pk": samples["encounter"].pk},
        "prescription_pdf": {"pk": samples["encounter"].pk},
        "prescription_remove": {"pk": samples["prescription"].pk},
        "patient_edit": {"pk": samples["patient"].pk},
        "patient_archive": {"pk": samples["patient"].pk},
        "patient_reactivate": {"pk": samples["patient"].pk},
        "patient_portal_login": {"pk": samples["patient"].pk},
        "patient_merge": {"pk": samples["patient"].pk},
        "patient_merge_detail": {"pk": samples["merge"].pk},
        "patient_unmerge": {"pk": samples["merge"].pk},
        "patient_vitals": {"pk": samples["patient"].pk},
        "patient_spo2_target": {"pk": samples["patient"].pk},
        "patient_history": {"pk": samples["patient"].pk},
        "audit_patient": {"patient_id": str(samples["patient"].pk)},
        "admission_detail": {"pk": samples["admission"].pk},
        "charge_item_edit": {"pk": samples["charge"].item_id},
        "patient_account": {"pk": samples["patient"].pk},
        "patient_statement": {"pk": samples["patient"].pk},
        "manual_charge": {"pk": samples["patient"].pk},
        "discharge_exemption": {"pk": samples["patient"].pk},
        "advance_take": {"pk": samples["patient"].pk},
        "advance_refund": {"pk": samples["advance"].pk},
        "charge_reverse": {"pk": samples["charge"].pk},
        "invoice_create": {"pk": samples["patient"].pk},
        "invoice_detail": {"pk": samples["invoice"].pk},
        "invoice_issue": {"pk": samples["invoice"].pk},
        "invoice_discount": {"pk": samples["invoice"].pk},
        "invoice_void": {"pk": samples["invoice"].pk},
        "credit_note_create": {"pk": samples["invoice"].pk},
        "payment_take": {"pk": samples["invoice"].pk},
        "advance_apply": {"pk": samples["invoice"].pk},
        "payment_refund": {"pk": samples["payment"].pk},
        "payment_reverse": {"pk": samples["payment"].pk},
        "claim_approve": {"pk": samples["claim"].pk},
        "claim_reject": {"pk": samples["claim"].pk},
        "claim_pay": {"pk": samples["claim"].pk},
        "billing_document": {"token": files.sign("receipt", samples["payment"].pk)},
        "admission_transfer": {"pk": samples["admission"].pk},
        "discharge_order": {"pk": samples["admission"].pk},
        "discharge_open_order": {"pk": samples["admission"].pk},
        "discharge_process": {"pk": samples["admission"].pk},
        "discharge_summary_pdf": {"pk": samples["admission"].pk},
        "admission_note_add": {"pk": samples["admission"].pk},
        "note_edit": {"pk": samples["note"].pk},
        "note_addendum": {"pk": samples["note"].pk},
        "bed_status": {"pk": samples["bed"].pk},
        "ward_add_bed": {"pk": samples["ward"].pk},
        "ward_beds": {"pk": samples["ward"].pk},
        "patient_documents": {"pk": samples["patient"].pk},
        "document_upload": {"pk": samples["patient"].pk},
        "document_download": {"token": files.sign("document", samples["document"].pk)},
        "lab_orders_panel": {"patient_pk": samples["patient"].pk},
        "lab_order": {"pk": samples["lab_order"].pk},
        "lab_order_cancel": {"pk": samples["lab_order"].pk},
        "lab_order_advance": {"pk": samples["lab_order"].pk},
        "lab_results_enter": {"pk": samples["lab_order"].pk},
        "lab_results_amend": {"pk": samples["lab_order"].pk},
        "lab_report_attach": {"pk": samples["lab_order"].pk},
        "lab_critical_call": {"pk": samples["lab_order"].pk},
        "lab_report": {"token": files.sign("lab-report", samples["lab_order"].pk)},
        "lab_catalogue_edit": {"pk": samples["lab_order"].test_id},
        "lab_catalogue_field_add": {"pk": samples["lab_order"].test_id},
        "lab_catalogue_range_add": {"pk": samples["lab_order"].test_id},
        "lab_catalogue_range_remove": {"pk": samples["lab_range"].pk},
        "machine_detail": {"pk": samples["machine"].pk},
        "machine_edit": {"pk": samples["machine"].pk},
        "machine_status": {"pk": samples["machine"].pk},
        "machine_label": {"pk": samples["machine"].pk},
        "machine_by_tag": {"tag": samples["machine"].asset_tag},
        "fault_raise": {"pk": samples["machine"].pk},
        "request_take": {"pk": samples["fault_request"].pk},
        "work_order_detail": {"pk": samples["work_order"].pk},
        "work_log_add": {"pk": samples["work_order"].pk},
        "work_order_escalate": {"pk": samples["work_order"].pk},
        "work_order_resolve": {"pk": samples["work_order"].pk},
        "pm_plan": {"pk": samples["machine"].pk},
        "pm_complete": {"pk": samples["work_order"].pk},
        "point_queue": {"pk": samples["ticket"].service_point_id},
        "call_next": {"pk": samples["ticket"].service_point_id},
        "ticket_recall": {"pk": samples["ticket"].pk},
        "ticket_serve": {"pk": samples["ticket"].pk},
        "ticket_finish": {"pk": samples["ticket"].pk},
        "ticket_no_show": {"pk": samples["ticket"].pk},
        "ticket_transfer": {"pk": samples["ticket"].pk},
        "service_point_toggle": {"pk": samples["ticket"].service_point_id},
        "display_revoke": {"pk": samples["display"].pk},
        "queue_display": {"token": samples["display"].token},
        "queue_display_board": {"token": samples["display"].token},
        "chat_older": {"pk": samples["thread"].pk},
        "chat_send": {"pk": samples["thread"].pk},
        "chat_read": {"pk": samples["thread"].pk},
        "leave_withdraw": {"pk": samples["leave_request"].pk},
        "leave_cancel": {"pk": samples["leave_request"].pk},
        "leave_decide": {"pk": samples["leave_request"].pk},
        "leave_attachment": {"pk": samples["leave_request"].pk},
        "leave_type_edit": {"pk": samples["leave_request"].leave_type_id},
        "closure_day_remove": {"pk": samples["closure"].pk},
        **pharmacy_samples.kwargs(samples),
        **matrix_allergies.kwargs(samples),
    }


@pytest.fixture
def samples(role_users, staff):
    return build_samples(role_users=role_users, staff=staff)


def build_samples(*, role_users: dict, staff) -> dict:
    """One record of every kind a URL takes, all the patient role's own (so the walk meets the
    role rule, not "own records only"), marked with SECRET_NAME wherever a page could show it.
    By name: the records, "subject" (a nurse named SECRET_NAME) and "document" (a PDF in the
    default storage)."""
    subject = UserFactory(role=rbac.NURSE, last_name=SECRET_NAME, username="subject")
    # Everyone is in the sample conversation, so the walk meets the role rule, not membership.
    thread = Thread.objects.create(created_by=subject)
    for user in [subject, *role_users.values()]:
        ThreadMember.objects.create(thread=thread, user=user)
    Message.objects.create(thread=thread, sender=subject, body=SECRET_NAME)
    patient = staff.patient  # the patient role's own record, under a name a 403 must not show
    patient.last_name = SECRET_NAME
    patient.save(update_fields=["last_name"])
    doctor = role_users[rbac.DOCTOR]
    block = DoctorScheduleFactory(doctor=doctor)
    appointment = AppointmentFactory(patient=patient, doctor=doctor)
    encounter = EncounterFactory(patient=patient, doctor=doctor, appointment=appointment)
    prescription = Prescription.objects.create(
        encounter=encounter,
        patient=patient,
        doctor=doctor,
        drug="Amoxicillin",
        dose="1 capsule",
        frequency="three times a day",
        duration="5 days",
    )
    document = PatientDocument.objects.create(
        patient=patient,
        title=SECRET_NAME,
        file=ContentFile(b"%PDF-1.4 sample", name="sample.pdf"),
        content_type="application/pdf",
        size=15,
        uploaded_by=doctor,
    )
    admission = AdmissionFactory(
        patient=patient,
        attending_doctor=doctor,
        bed__ward__name="Sample ward",
        reason=SECRET_NAME,
        discharge_ordered_at=timezone.now(),
        final_diagnosis=SECRET_NAME,
    )
    dressing = ChargeItemFactory(code="NURS-X", name="Dressing", category="nursing")
    # Issued for 500 and 100 paid, through billing's services, so its figures reconcile.
    paid = invoice_issued(doctor, patient, dressing.code)
    payment = payment_taken(doctor, paid, "100")
    claim = InsuranceClaim.objects.create(
        number="CLM-2026-900001",
        invoice=paid,
        insurer=SECRET_NAME,
        amount_claimed=Decimal("100"),
        submitted_at=timezone.now(),
        submitted_by=doctor,
    )
    charge = ChargeFactory(patient=patient, item=dressing, description=SECRET_NAME)
    invoice = InvoiceFactory(patient=patient, created_by=doctor)  # a draft with no lines yet
    lab_range = ReferenceRangeFactory(field__test__code="SMPL", field__name="Value")
    lab_order = LabOrderFactory(
        verified=True,
        patient=patient,
        test=lab_range.field.test,
        encounter=encounter,
        ordered_by=doctor,
        clinical_notes=SECRET_NAME,
        report=ContentFile(b"%PDF-1.4 sample", name="report.pdf"),
    )
    machine = engineering.machine_register(
        actor=role_users[rbac.ADMIN],
        name=SECRET_NAME,
        asset_tag="SMPL-001",
        machine_type="xray",
    )
    fault_request = engineering.fault_request_raise(
        actor=role_users[rbac.NURSE], machine=machine, description=SECRET_NAME, unusable=False
    )
    taken = engineering.fault_request_raise(
        actor=role_users[rbac.NURSE], machine=machine, description=SECRET_NAME, unusable=True
    )
    work_order = engineering.fault_request_take(
        actor=role_users[rbac.ENGINEER], fault_request=taken
    )
    triage = ServicePoint.objects.create(name="Triage", kind=PointKind.TRIAGE, prefix="T")
    ticket = queues.ticket_issue(actor=None, service_point=triage, patient=patient)
    display = DisplayScreen.objects.create(name="Waiting area")
    merge = PatientMerge.objects.create(
        survivor=patient,
        merged=PatientFactory(last_name=SECRET_NAME),
        merged_at=timezone.now(),
        merged_by=role_users[rbac.ADMIN],
        survivor_state_before="registered",
        survivor_state_after="registered",
    )
    advance = billing_services.advance_take(
        actor=role_users[rbac.RECEPTIONIST], patient=patient, amount=Decimal("500"), mode="cash"
    )
    ensure_leave_types()  # a transactional test before may have emptied the tables
    leave_request = LeaveRequest.objects.create(
        user=subject,
        leave_type=LeaveType.objects.get(code="sick"),
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        reason=SECRET_NAME,
        days=1,
        attachment=ContentFile(b"%PDF-1.4 sample", name="note.pdf"),
        attachment_type="application/pdf",
    )
    closure = ClosureDay.objects.create(
        date=timezone.localdate(), name=SECRET_NAME, created_by=role_users[rbac.ADMIN]
    )
    pharmacy = pharmacy_samples.records(
        role_users=role_users, patient=patient, prescription=prescription, admission=admission
    )
    return {
        **pharmacy,
        **matrix_allergies.records(role_users=role_users, patient=patient),
        "leave_request": leave_request,
        "closure": closure,
        "advance": advance,
        "merge": merge,
        "ticket": ticket,
        "display": display,
        "machine": machine,
        "fault_request": fault_request,
        "work_order": work_order,
        "lab_order": lab_order,
        "lab_range": lab_range,
        "claim": claim,
        "payment": payment,
        "invoice": invoice,
        "charge": charge,
        "ward": admission.bed.ward,
        "bed": admission.bed,
        "admission": admission,
        "note": InpatientNote.objects.create(
            admission=admission,
            kind=NoteKind.WARD_ROUND,
            author=doctor,
            written_at=timezone.now(),
            text=SECRET_NAME,
        ),
        "document": document,
        "encounter": encounter,
        "prescription": prescription,
        "appointment": appointment,
        "block": block,
        "patient": patient,
        "subject": subject,
        "notification": Notification.objects.create(recipient=subject, text=SECRET_NAME),
        "thread": thread,
    }


def test_every_url_declares_a_capability_and_a_name():
    missing = [
        route
        for route, pattern in project_urls()
        if getattr(pattern.callback, "capability", None) is None or not pattern.name
    ]

    assert missing == [], f"URLs without a declared capability or name: {missing}"


def test_every_capability_in_the_matrix_has_a_label_and_known_roles():
    for capability, roles in rbac.MATRIX.items():
        assert capability in rbac.CAPABILITY_LABELS
        assert set(roles) <= set(rbac.ROLES)


def _login_path() -> str:
    return reverse("account_login")


def _assert_goes_to_login(response, htmx: bool, where: str):
    if htmx:
        target = response.headers.get("HX-Redirect", "")
        assert response.status_code == 200 and urlparse(target).path == _login_path(), where
    else:
        assert response.status_code == 302, where
        assert urlparse(response["Location"]).path == _login_path(), where


@pytest.mark.parametrize("role", rbac.ROLES)
def test_only_accountants_and_admins_may_let_a_patient_leave_owing(db, make_user, role):
    user = make_user(role)

    allowed = rbac.allows(user, "billing.exempt")

    assert allowed == (role in {rbac.ADMIN, rbac.ACCOUNTANT})


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_matrix_over_every_url(db, samples, role_users, htmx):
    kwargs_by_name = sample_kwargs(samples)
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"} if htmx else {}
    clients = {None: Client()}
    for role, user in role_users.items():
        clients[role] = sign_in(Client(), user)
    checked = 0

    for route, pattern in project_urls():
        capability = pattern.callback.capability
        post_only = getattr(pattern.callback, "post_only", False)
        kwargs = kwargs_by_name.get(pattern.name, {})
        assert set(pattern.pattern.regex.groupindex) <= set(kwargs), (
            f"{route}: add sample arguments for {pattern.name!r} to sample_kwargs()"
        )
        url = reverse(pattern.name, kwargs=kwargs)
        for role, client in clients.items():
            where = f"{url} as {role or 'anonymous'}{' (htmx)' if htmx else ''}"
            response = client.get(url, headers=headers)

            if role is None:
                if capability == rbac.PUBLIC:
                    assert response.status_code in (200, 302), where
                else:
                    _assert_goes_to_login(response, htmx, where)
            elif rbac.role_allowed(role, capability, pattern.callback.scopes):
                allowed = {200, 302} | ({405} if post_only else set())
                assert response.status_code in allowed, f"{where}: {response.status_code}"
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"
                assert SECRET_NAME not in response.content.decode(), where
            checked += 1

    assert checked >= len(project_urls()) * len(clients)


def test_denied_post_changes_nothing(db, samples, role_users):
    """Every POST action refused to a role leaves the records as they were, and the audit log
    with nothing but the refusal."""
    kwargs_by_name = sample_kwargs(samples)
    post_actions = [
        pattern
        for _route, pattern in project_urls()
        if getattr(pattern.callback, "post_only", False)
    ]
    assert post_actions, "the project has POST-only actions to check"
    # One signed-in client per role for the whole walk: a refused POST changes nothing, its
    # session included.
    clients = {role: sign_in(Client(), user) for role, user in role_users.items()}

    for pattern in post_actions:
        url = reverse(pattern.name, kwargs=kwargs_by_name.get(pattern.name, {}))
        for role in role_users:
            if rbac.role_allowed(role, pattern.callback.capability, pattern.callback.scopes):
                continue
            client = clients[role]
            audit_rows = AuditEntry.objects.exclude(action__startswith="access.denied").count()
            subject_before = (
                samples["subject"].__class__.objects.filter(pk=samples["subject"].pk).values()[0]
            )

            response = client.post(url, {"password": "Another-password-42"})

            assert response.status_code == 403, f"POST {url} as {role}"
            # The refusal itself is recorded (access.denied); nothing else is.
            assert (
                AuditEntry.objects.exclude(action__startswith="access.denied").count() == audit_rows
            )
            subject_after = (
                samples["subject"].__class__.objects.filter(pk=samples["subject"].pk).values()[0]
            )
            assert subject_after == subject_before


@pytest.mark.parametrize("role", rbac.ROLES)
def test_the_wards_patients_and_their_observations_are_for_those_who_see_whole_charts(
    db, role_users, role
):
    """The nurse's home panel (wards/patients/) shows NEWS2 and vitals: clinical content, so the
    desk's demographics view and the portal are refused, as every other role without charts."""
    client = sign_in(Client(), role_users[role])

    response = client.get(reverse("ward_patients"))

    allowed = role in {rbac.ADMIN, rbac.DOCTOR, rbac.NURSE}
    assert response.status_code == (200 if allowed else 403), role


@pytest.mark.parametrize("role", rbac.ROLES)
def test_analytics_is_the_administrators_and_the_accountants_finance_part(db, role_users, role):
    """The dashboard and its exports (issue 20): admin whole, accountant the finance panels
    (tests/reports/test_dashboard.py checks which), everyone else 403, anonymous to login."""
    client = sign_in(Client(), role_users[role])
    allowed = role in {rbac.ADMIN, rbac.ACCOUNTANT}

    for name in ("analytics_dashboard", "analytics_xlsx"):
        response = client.get(reverse(name))

        assert response.status_code == (200 if allowed else 403), (name, role)
        _assert_goes_to_login(Client().get(reverse(name)), False, name)
    assert rbac.scope(role_users[role], "analytics.view") == {
        rbac.ADMIN: rbac.ALL,
        rbac.ACCOUNTANT: rbac.FINANCE,
    }.get(role)
