"""Merging duplicate patients (clinical.services.merging): every row of every app moves to the
record kept and comes back on an un-merge; the refusals; the merged MRN as an alias; who may."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import AdvanceDeposit, DischargeExemption
from clinical import merging, selectors, services
from clinical.models import (
    AllergenClass,
    Allergy,
    Patient,
    PatientDocument,
    PatientMerge,
    PatientState,
    PatientStateChange,
    Prescription,
    Vitals,
)
from hms import rbac
from hms.models import AuditEntry
from hms.submissions import AlreadySubmitted, new_token
from pharmacy.models import Dispense, MedicationOrder
from queues import services as queues
from queues.models import PointKind, ServicePoint
from tests.accounts.test_second_factor import code_for
from tests.factories import (
    PASSWORD,
    AdmissionFactory,
    AppointmentFactory,
    ChargeItemFactory,
    EncounterFactory,
    FormularyItemFactory,
    LabOrderFactory,
    PatientFactory,
    StoreFactory,
    TOTPDeviceFactory,
    invoice_issued,
    payment_taken,
)
from tests.races import race

pytestmark = pytest.mark.django_db


def rows_of(patient: Patient) -> dict[str, set]:
    """Every row pointing at `patient`, by relation ("billing.Charge.patient": {pks})."""
    return {
        merging.relation_key(field): set(
            field.model._base_manager.filter(**{field.name: patient}).values_list("pk", flat=True)
        )
        for field in merging.merge_relations()
    }


def every_kind(staff, patient: Patient, *, days_ahead: int, admitted: bool) -> None:
    """One row (at least) of every kind an app keeps about a patient. A relation to Patient added
    later and not built here fails test_a_merge_moves_every_kind_and_an_unmerge_puts_it_back."""
    doctor = staff.doctor
    PatientStateChange.objects.create(patient=patient, to_state=PatientState.REGISTERED)
    AppointmentFactory(
        patient=patient,
        doctor=doctor,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=days_ahead),
    )
    Vitals.objects.create(
        patient=patient, recorded_at=timezone.now(), recorded_by=staff.nurse, pulse=72
    )
    encounter = EncounterFactory(patient=patient, doctor=doctor)
    Prescription.objects.create(
        encounter=encounter,
        patient=patient,
        doctor=doctor,
        drug="Amoxicillin",
        dose="1 capsule",
        frequency="three times a day",
        duration="5 days",
    )
    PatientDocument.objects.create(
        patient=patient,
        title="Referral",
        file=ContentFile(b"%PDF-1.4 sample", name="referral.pdf"),
        content_type="application/pdf",
        size=15,
        uploaded_by=doctor,
    )
    admission = AdmissionFactory(
        patient=patient,
        attending_doctor=doctor,
        discharged_at=None if admitted else timezone.now(),
    )
    if admitted:
        Patient.objects.filter(pk=patient.pk).update(state=PatientState.ADMITTED)
        patient.state = PatientState.ADMITTED
    DischargeExemption.objects.create(
        patient=patient,
        admission=admission,
        amount=Decimal("100.00"),
        reason="Hardship",
        granted_at=timezone.now(),
        granted_by=staff.accountant,
    )
    ChargeItemFactory(code="NURS-MRG", name="Dressing", category="nursing")
    invoice = invoice_issued(staff.admin, patient, "NURS-MRG")  # a charge and an invoice
    payment_taken(staff.admin, invoice, "100")
    AdvanceDeposit.objects.create(
        patient=patient,
        amount=Decimal("1000.00"),
        mode="cash",
        receipt_number=f"ADV-{patient.mrn}",
        received_at=timezone.now(),
        received_by=staff.receptionist,
    )
    LabOrderFactory(patient=patient, ordered_by=doctor)
    Dispense.objects.create(
        number=f"DSP-{patient.mrn}",
        patient=patient,
        item=FormularyItemFactory(),
        store=StoreFactory(name="Pharmacy"),
        quantity=1,
        unit_price=Decimal("10.00"),
        dispensed_by=staff.nurse,
        dispensed_at=timezone.now(),
    )
    Allergy.objects.create(
        patient=patient,
        allergen_class=AllergenClass.PENICILLINS,
        reaction="rash",
        recorded_at=timezone.now(),
        recorded_by=doctor,
    )
    MedicationOrder.objects.create(
        admission=admission,
        patient=patient,
        item=FormularyItemFactory(),
        dose="1 g",
        route="oral",
        frequency="bd",
        start_at=timezone.now(),
        ordered_by=doctor,
        ordered_at=timezone.now(),
    )
    point, _ = ServicePoint.objects.get_or_create(
        name="Triage", defaults={"kind": PointKind.TRIAGE, "prefix": "T"}
    )
    ticket = queues.ticket_issue(actor=None, service_point=point, patient=patient)
    if not admitted:  # one open ticket per patient: the survivor's visit is over
        type(ticket).objects.filter(pk=ticket.pk).update(status="done")
    # A record merged into this one earlier (its MRN is an alias of this one).
    services.patient_merge(actor=staff.admin, survivor=patient, merged=PatientFactory())


@pytest.fixture
def pair(staff):
    """Two records of Achieng Otieno: the older to keep (discharged), the newer admitted now."""
    kept = PatientFactory(first_name="Achieng", last_name="Otieno")
    duplicate = PatientFactory(first_name="Akinyi", last_name="Otieno")
    every_kind(staff, kept, days_ahead=3, admitted=False)
    every_kind(staff, duplicate, days_ahead=5, admitted=True)
    return kept, duplicate


def test_a_merge_moves_every_kind_and_an_unmerge_puts_it_back(staff, pair):
    kept, duplicate = pair
    kept_before, duplicate_before = rows_of(kept), rows_of(duplicate)
    state_before = kept.state
    assert all(kept_before.values()) and all(duplicate_before.values()), (
        "every relation to Patient needs a row in every_kind(): "
        f"{[k for k, v in duplicate_before.items() if not v]}"
    )

    merge = services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)

    after = rows_of(kept)
    for key, pks in duplicate_before.items():
        # The merged record itself now points at the kept one; and the kept one's new state.
        added = {
            "clinical.Patient.merged_into": {duplicate.pk},
            "clinical.PatientStateChange.patient": set(
                PatientStateChange.objects.filter(
                    patient=kept, reason=f"Merged with MRN {duplicate.mrn}"
                ).values_list("pk", flat=True)
            ),
        }.get(key, set())
        assert after[key] == kept_before[key] | pks | added, key
    assert not any(rows_of(duplicate).values())
    assert {f"{e['model']}.{e['field']}": set(e["pks"]) for e in merge.moved} == {
        key: {pk if isinstance(pk, int) else str(pk) for pk in pks}
        for key, pks in duplicate_before.items()
    }
    duplicate.refresh_from_db()
    kept.refresh_from_db()
    assert duplicate.merged_into == kept and duplicate.merged_at is not None
    assert kept.state == PatientState.ADMITTED  # the duplicate's stay is the kept record's now
    audited = AuditEntry.objects.get(
        action="patient.merge", object_id=str(merge.pk), patient_id=str(kept.pk)
    )
    assert audited.after["moved"] == merge.moved and audited.after["merged"] == duplicate.mrn

    later = Vitals.objects.create(
        patient=kept, recorded_at=timezone.now(), recorded_by=staff.nurse, pulse=80
    )
    services.patient_unmerge(actor=staff.admin, merge=merge)

    assert rows_of(duplicate) == duplicate_before
    assert rows_of(kept) == kept_before | {
        "clinical.Vitals.patient": kept_before["clinical.Vitals.patient"] | {later.pk},
        # The state changes the merge and the un-merge wrote stay on the kept record.
        "clinical.PatientStateChange.patient": set(
            PatientStateChange.objects.filter(patient=kept).values_list("pk", flat=True)
        ),
    }
    duplicate.refresh_from_db()
    kept.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.merged_at is None
    assert kept.state == state_before
    assert PatientMerge.objects.get(pk=merge.pk).unmerged_by == staff.admin
    assert AuditEntry.objects.filter(action="patient.unmerge", object_id=str(merge.pk)).count() == 2


def test_the_merged_mrn_finds_and_opens_the_record_kept(staff, client_for):
    kept = PatientFactory(first_name="Wanjiru", last_name="Kamau")
    duplicate = PatientFactory(first_name="Wanjiru", last_name="Kamau")
    services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)

    by_mrn = list(selectors.patient_matches(duplicate.mrn))
    by_name = list(selectors.patient_matches("Wanjiru Kamau"))
    chart = client_for(staff.receptionist).get(reverse("patient_chart", args=[duplicate.pk]))

    assert by_mrn == [kept]
    assert by_name == [kept]
    assert chart.status_code == 302 and chart["Location"] == reverse(
        "patient_chart", args=[kept.pk]
    )
    assert duplicate not in selectors.likely_duplicates(
        first_name="Wanjiru", last_name="Kamau", date_of_birth=kept.date_of_birth, phone=""
    )


def test_a_ticket_given_to_the_merged_mrn_goes_to_the_record_kept(staff):
    from queues.forms import TicketIssueForm

    kept, duplicate = PatientFactory(), PatientFactory()
    services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)
    point = ServicePoint.objects.create(name="Triage", kind=PointKind.TRIAGE, prefix="T")

    form = TicketIssueForm({"mrn": duplicate.mrn, "service_point": point.pk})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["mrn"] == kept


def test_the_portal_login_moves_or_the_merged_one_is_switched_off(staff, make_user):
    lone = PatientFactory(user=make_user(rbac.PATIENT))
    kept = PatientFactory()
    services.patient_merge(actor=staff.admin, survivor=kept, merged=lone)
    kept.refresh_from_db()
    assert kept.user == lone.user

    second = PatientFactory(user=make_user(rbac.PATIENT))
    merge = services.patient_merge(actor=staff.admin, survivor=kept, merged=second)
    second.user.refresh_from_db()
    assert not second.user.is_active and merge.login["action"] == "deactivated"

    services.patient_unmerge(actor=staff.admin, merge=merge)
    second.user.refresh_from_db()
    assert second.user.is_active


def test_the_identity_document_goes_to_a_record_kept_without_one(staff):
    kept = PatientFactory()
    duplicate = PatientFactory(id_type="national_id", id_number="25000003")

    merge = services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)
    kept.refresh_from_db()
    assert kept.id_number == "25000003"

    services.patient_unmerge(actor=staff.admin, merge=merge)
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert kept.id_number == "" and duplicate.id_number == "25000003"


@pytest.mark.parametrize(
    "case, message",
    [
        ("same", "cannot be merged into itself"),
        ("already", "was already merged into"),
        ("survivor merged", "it cannot be the record kept"),
        ("both admitted", "Both records are admitted now"),
        ("same time", "Both records have an appointment at"),
        ("both open tickets", "one open ticket per patient"),
        ("archived survivor", "is archived"),
    ],
)
def test_an_unsafe_merge_is_refused_and_changes_nothing(staff, case, message):
    kept, duplicate = PatientFactory(), PatientFactory()
    if case == "same":
        duplicate = kept
    elif case in ("already", "survivor merged"):
        third = PatientFactory()
        merged_one = duplicate if case == "already" else kept
        services.patient_merge(actor=staff.admin, survivor=third, merged=merged_one)
    elif case == "both admitted":
        for patient in (kept, duplicate):
            AdmissionFactory(patient=patient)
            Patient.objects.filter(pk=patient.pk).update(state=PatientState.ADMITTED)
    elif case == "same time":
        at = timezone.now().replace(microsecond=0) + timedelta(days=2)
        AppointmentFactory(patient=kept, starts_at=at)
        AppointmentFactory(patient=duplicate, starts_at=at + timedelta(minutes=5))
    elif case == "both open tickets":
        point = ServicePoint.objects.create(name="Triage", kind=PointKind.TRIAGE, prefix="T")
        for patient in (kept, duplicate):
            queues.ticket_issue(actor=None, service_point=point, patient=patient)
    elif case == "archived survivor":
        Patient.objects.filter(pk=kept.pk).update(state=PatientState.ARCHIVED)
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    before = rows_of(duplicate), PatientMerge.objects.count()

    with pytest.raises(services.MergeRefused, match=message):
        services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)

    assert (rows_of(duplicate), PatientMerge.objects.count()) == before


def test_an_unmerge_after_the_window_is_refused(staff, settings):
    settings.HMS_PATIENT_UNMERGE_DAYS = 30
    kept, duplicate = PatientFactory(), PatientFactory()
    merge = services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)
    PatientMerge.objects.filter(pk=merge.pk).update(
        merged_at=timezone.now() - timedelta(days=30, minutes=1)
    )

    with pytest.raises(services.MergeRefused, match="can no longer be undone"):
        services.patient_unmerge(actor=staff.admin, merge=merge)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept


def test_an_unmerge_waits_for_a_later_merge_of_the_survivor_to_be_undone(staff):
    first, second, third = PatientFactory(), PatientFactory(), PatientFactory()
    earlier = services.patient_merge(actor=staff.admin, survivor=second, merged=first)
    later = services.patient_merge(actor=staff.admin, survivor=third, merged=second)
    first.refresh_from_db()
    assert first.merged_into == third  # the alias follows to the live record

    with pytest.raises(services.MergeRefused, match="undo that merge first"):
        services.patient_unmerge(actor=staff.admin, merge=earlier)
    services.patient_unmerge(actor=staff.admin, merge=later)
    services.patient_unmerge(actor=staff.admin, merge=earlier)

    first.refresh_from_db()
    assert first.merged_into is None


def test_a_receptionist_needs_a_second_person_who_is_someone_else(staff, make_user):
    kept, duplicate = PatientFactory(), PatientFactory()
    clerk = staff.receptionist

    with pytest.raises(services.MergeRefused, match="A second person"):
        services.patient_merge(actor=clerk, survivor=kept, merged=duplicate)
    with pytest.raises(services.MergeRefused, match="must be someone else"):
        services.patient_merge(actor=clerk, survivor=kept, merged=duplicate, confirmed_by=clerk)
    with pytest.raises(services.MergeRefused, match="may not confirm"):
        services.patient_merge(
            actor=clerk, survivor=kept, merged=duplicate, confirmed_by=staff.nurse
        )
    with pytest.raises(PermissionDenied, match="may not merge"):
        services.patient_merge(actor=staff.nurse, survivor=kept, merged=duplicate)
    assert PatientMerge.objects.count() == 0

    merge = services.patient_merge(
        actor=clerk, survivor=kept, merged=duplicate, confirmed_by=make_user(rbac.RECEPTIONIST)
    )
    assert merge.confirmed_by.role == rbac.RECEPTIONIST


# --- the screens -----------------------------------------------------------------------------


def test_the_merge_screen_compares_the_two_and_merges_with_a_second_persons_password(
    staff, client_for, make_user
):
    kept = PatientFactory(first_name="Achieng", last_name="Otieno")
    duplicate = PatientFactory(first_name="Achieng", last_name="Otieno")
    AppointmentFactory(patient=duplicate)
    colleague = make_user(rbac.RECEPTIONIST, username="colleague")
    desk = client_for(staff.receptionist)
    url = reverse("patient_merge", args=[kept.pk])

    picked = desk.get(url, {"q": duplicate.mrn})
    compared = desk.get(url, {"other": duplicate.pk})
    wrong = desk.post(
        url,
        {
            "other": duplicate.pk,
            "survivor": kept.pk,
            "confirm_username": "colleague",
            "confirm_password": "not-it",
            "submission": new_token(),
        },
    )
    done = desk.post(
        url,
        {
            "other": duplicate.pk,
            "survivor": kept.pk,
            "confirm_username": "colleague",
            "confirm_password": PASSWORD,
            "submission": new_token(),
        },
    )

    assert f"?other={duplicate.pk}" in picked.content.decode()
    page = compared.content.decode()
    assert 'data-kind="clinical.Appointment.patient"' in page and "Second person" in page
    assert wrong.status_code == 200
    assert "do not match" in wrong.content.decode()
    assert 'value="colleague"' in wrong.content.decode()  # what was typed stays
    assert done.status_code == 302
    merge = PatientMerge.objects.get()
    assert done["Location"] == reverse("patient_merge_detail", args=[merge.pk])
    assert merge.confirmed_by == colleague and merge.merged_by == staff.receptionist


def _merge_post(desk, kept, duplicate, username, password, code=""):
    return desk.post(
        reverse("patient_merge", args=[kept.pk]),
        {
            "other": duplicate.pk,
            "survivor": kept.pk,
            "confirm_username": username,
            "confirm_password": password,
            "confirm_code": code,
            "submission": new_token(),
        },
    )


def test_the_second_persons_password_has_the_sign_in_pages_limit(staff, client_for, make_user):
    """Found by a tester (session 33): the merge form checked any account's password with no
    limit, a faster way to guess one than the sign-in page. Now five wrong in five minutes stop
    the account's checks here and on the sign-in page alike, and the right one is not tried."""
    kept, duplicate = PatientFactory(), PatientFactory()
    make_user(rbac.RECEPTIONIST, username="colleague")
    desk = client_for(staff.receptionist)

    wrong = [_merge_post(desk, kept, duplicate, "colleague", f"guess-{n}") for n in range(5)]
    right_too_late = _merge_post(desk, kept, duplicate, "colleague", PASSWORD)
    sign_in_page = Client().post(
        reverse("account_login"), {"login": "colleague", "password": PASSWORD}
    )

    assert all("do not match" in r.content.decode() for r in wrong)
    assert right_too_late.status_code == 200
    assert "Too many wrong passwords" in right_too_late.content.decode()
    assert not PatientMerge.objects.exists()
    assert "_auth_user_id" not in sign_in_page.wsgi_request.session  # the same account's limit
    failed = AuditEntry.objects.filter(action="auth.login_failed", actor_username="colleague")
    assert failed.count() == 5


def test_an_administrator_confirming_also_gives_their_authenticator_code(
    staff, client_for, make_user
):
    """An administrator signs in with a code from their app; confirming a merge asks for it too
    (session 33: the password alone was enough)."""
    kept, duplicate = PatientFactory(), PatientFactory()
    manager = make_user(rbac.ADMIN, username="manager")
    device = TOTPDeviceFactory(user=manager)
    desk = client_for(staff.receptionist)

    no_code = _merge_post(desk, kept, duplicate, "manager", PASSWORD)
    wrong_code = _merge_post(desk, kept, duplicate, "manager", PASSWORD, "000000")
    assert not PatientMerge.objects.exists()
    done = _merge_post(desk, kept, duplicate, "manager", PASSWORD, code_for(device))

    assert "6-digit code from their authenticator app" in no_code.content.decode()
    assert "did not match" in wrong_code.content.decode()
    assert 'value="manager"' in wrong_code.content.decode()  # what was typed stays
    assert done.status_code == 302
    assert PatientMerge.objects.get().confirmed_by == manager


def test_an_administrator_without_an_app_cannot_confirm(staff, client_for, make_user):
    kept, duplicate = PatientFactory(), PatientFactory()
    make_user(rbac.ADMIN, username="newadmin", first_name="New", last_name="Admin")

    refused = _merge_post(client_for(staff.receptionist), kept, duplicate, "newadmin", PASSWORD)

    assert "New Admin has no authenticator app set up yet" in refused.content.decode()
    assert not PatientMerge.objects.exists()


def test_a_refused_merge_says_why_beside_the_form(staff, client_for):
    kept, duplicate = PatientFactory(), PatientFactory()
    for patient in (kept, duplicate):
        AdmissionFactory(patient=patient)
        Patient.objects.filter(pk=patient.pk).update(state=PatientState.ADMITTED)

    response = client_for(staff.admin).post(
        reverse("patient_merge", args=[kept.pk]),
        {"other": duplicate.pk, "survivor": kept.pk, "submission": new_token()},
    )

    assert response.status_code == 200
    assert "Both records are admitted now" in response.content.decode()
    assert PatientMerge.objects.count() == 0


def test_a_double_click_merges_once(staff, client_for):
    kept, duplicate = PatientFactory(), PatientFactory()
    admin = client_for(staff.admin)
    form = {"other": duplicate.pk, "survivor": kept.pk, "submission": new_token()}
    url = reverse("patient_merge", args=[kept.pk])

    first = admin.post(url, form)
    second = admin.post(url, form)

    merge = PatientMerge.objects.get()
    assert first["Location"] == second["Location"] == merge.get_absolute_url()
    with pytest.raises(AlreadySubmitted):
        services.patient_merge(
            actor=staff.admin, survivor=kept, merged=duplicate, submission=form["submission"]
        )


@pytest.mark.parametrize(
    "role", [r for r in rbac.ROLES if r not in (rbac.ADMIN, rbac.RECEPTIONIST)]
)
def test_other_roles_may_not_merge_and_nothing_changes(staff, client_for, role):
    kept, duplicate = PatientFactory(), PatientFactory()
    client = client_for(staff.of_role(role))

    page = client.get(reverse("patient_merge", args=[kept.pk]))
    sent = client.post(
        reverse("patient_merge", args=[kept.pk]),
        {"other": duplicate.pk, "survivor": kept.pk, "submission": new_token()},
    )

    assert page.status_code == sent.status_code == 403
    assert PatientMerge.objects.count() == 0


def test_the_unmerge_screen_undoes_and_refuses_after_the_window(staff, client_for):
    kept, duplicate = PatientFactory(), PatientFactory()
    merge = services.patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)
    old = services.patient_merge(actor=staff.admin, survivor=kept, merged=PatientFactory())
    PatientMerge.objects.filter(pk=old.pk).update(merged_at=timezone.now() - timedelta(days=365))
    admin = client_for(staff.admin)

    undone = admin.post(reverse("patient_unmerge", args=[merge.pk]), {"submission": new_token()})
    too_late = admin.post(reverse("patient_unmerge", args=[old.pk]), {"submission": new_token()})

    assert undone.status_code == 302
    assert undone["Location"] == reverse("patient_chart", args=[duplicate.pk])
    assert too_late.status_code == 200
    assert "can no longer be undone" in too_late.content.decode()
    assert PatientMerge.objects.get(pk=old.pk).unmerged_at is None


# --- two clerks at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_merging_the_same_pair_at_once_merge_it_once(staff):
    first, second = PatientFactory(), PatientFactory()
    AppointmentFactory(patient=first)
    # One keeps the first record, the other the second: the locks decide, the loser is told.
    ways = [(first, second), (second, first)]

    def attempt(n: int) -> object:
        survivor, merged = ways[n]
        return services.patient_merge(actor=staff.admin, survivor=survivor, merged=merged)

    outcome = race(attempt)

    kinds = sorted(type(v).__name__ for v in outcome.values())
    assert kinds == ["MergeRefused", "PatientMerge"], outcome
    assert PatientMerge.objects.count() == 1
    assert Patient.objects.filter(merged_into__isnull=False).count() == 1


def test_every_relation_to_patient_is_found_from_the_models():
    """The merge finds relations from the models: every installed model's foreign key to Patient
    is among them (PatientMerge, the merge's own record, aside)."""
    declared = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if getattr(field, "related_model", None) is Patient
        and field.concrete
        and (field.many_to_one or field.one_to_one)
        and model is not PatientMerge
    }

    assert declared == {merging.relation_key(f) for f in merging.merge_relations()}
