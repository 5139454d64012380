"""Patients: registration with duplicate detection, search, the chart, the lifecycle."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinical import lifecycle, selectors, services
from clinical.models import Patient, PatientState
from hms import rbac
from hms.models import AuditEntry
from hms.phones import phone_local
from hms.submissions import new_token
from tests.factories import PatientFactory
from tests.page_forms import form_as_shown
from tests.races import kinds, race

FORM = {
    "first_name": "Wanjiru",
    "last_name": "Kamau",
    "date_of_birth": "12/04/1988",
    "sex": "F",
    "blood_group": "O+",
    "phone": "0712 345 678",
    "address": "Kiambu Road",
    "emergency_name": "Peter Kamau",
    "emergency_relation": "Husband",
    "emergency_phone": "0722 000 111",
    "insurance_provider": "SHA",
    "insurance_policy_number": "SHA-889911",
    "insurance_coverage_percent": "80",
    "insurance_valid_until": "31/12/2027",
    "allergies": "Penicillin",
    "medical_history": "Asthma",
}


@pytest.fixture
def clerk(make_user, client_for):
    return client_for(make_user(rbac.RECEPTIONIST, username="faith"))


def register(client, **changes):
    return client.post(reverse("patient_register"), FORM | changes)


def test_registering_gives_sequential_mrns_and_is_audited(clerk):
    first = register(clerk)
    second = register(
        clerk,
        first_name="Otieno",
        phone="0733 111 222",
        date_of_birth="1970-01-01",
        insurance_policy_number="SHA-100200",
    )

    a, b = Patient.objects.order_by("mrn")
    assert first.status_code == second.status_code == 302
    assert (a.mrn, b.mrn) == ("000001", "000002")
    assert a.insurance == {
        "provider": "SHA",
        "policy_number": "SHA-889911",
        "coverage_percent": "80.00",
        "valid_until": "2027-12-31",
    }
    assert a.state == PatientState.REGISTERED
    assert a.state_changes.get().to_state == PatientState.REGISTERED
    entry = AuditEntry.objects.get(action="patient.register", object_id=str(a.pk))
    assert entry.patient_id == str(a.pk) and entry.after["mrn"] == "000001"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            # Two days ahead: tomorrow in UTC may already be today in Nairobi (after 21:00 UTC).
            {"date_of_birth": (date.today() + timedelta(days=2)).isoformat()},
            "cannot be in the future",
        ),
        ({"date_of_birth": "1850-01-01"}, "older than 130"),
        ({"phone": "12ab"}, "Enter a phone number, e.g. 0712 345 678"),
        ({"blood_group": "Z+"}, "not one of the available choices"),
        ({"insurance_policy_number": ""}, "Enter the member number"),
        ({"insurance_coverage_percent": "120"}, "Enter 100 or less."),
        ({"first_name": ""}, "This field is required"),
    ],
)
def test_bad_input_is_explained_keeps_what_was_typed_and_saves_nothing(clerk, changes, message):
    response = register(clerk, **changes)

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="Kiambu Road"' in page
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Grace", "date_of_birth": "1990-01-01", "phone": "+254 712 345 678"},
        {"phone": "0799 999 999"},  # same name and birth date
        {"first_name": "Wanjru", "phone": "0799 999 999"},  # a letter missing, same birth date
    ],
    ids=["same phone", "same name and birth date", "close spelling and birth date"],
)
def test_a_likely_duplicate_is_shown_and_saved_only_when_the_clerk_confirms(clerk, changes):
    register(clerk)

    warned = register(clerk, **changes)
    confirmed = register(clerk, **changes, not_a_duplicate="on")

    assert 'data-testid="duplicate-warning"' in warned.content.decode()
    assert "MRN 000001" in warned.content.decode()
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_a_different_person_is_not_flagged(clerk):
    register(clerk)

    response = register(
        clerk,
        first_name="Otieno",
        last_name="Ouma",
        phone="0733 111 222",
        date_of_birth="1960-05-05",
        insurance_policy_number="SHA-100200",
    )

    assert response.status_code == 302


def test_search_finds_by_mrn_phone_and_part_of_a_name(db):
    patient = PatientFactory(
        first_name="Achieng", last_name="Odhiambo", phone="0712 345 678", mrn="000123"
    )
    PatientFactory(first_name="Kiprop", last_name="Chebet", phone="0799 000 000")

    for query in ["000123", "123", "0712345678", "712 345", "achi", "ODHIAM", "achieng odhiambo"]:
        assert list(selectors.patient_search(query)) == [patient], query


def test_archived_patients_are_hidden_from_search_unless_asked_for(db):
    patient = PatientFactory(first_name="Archie", state=PatientState.ARCHIVED)

    assert list(selectors.patient_search("archie")) == []
    assert list(selectors.patient_search("archie", include_archived=True)) == [patient]


def test_search_as_you_type_returns_only_the_results(clerk):
    PatientFactory(first_name="Achieng", last_name="Odhiambo")

    response = clerk.get(
        reverse("patient_list"),
        {"q": "achi"},
        headers={"HX-Request": "true", "HX-Target": "patient-results"},
    )

    page = response.content.decode()
    assert "Achieng Odhiambo" in page and "<html" not in page


def test_the_patient_list_and_search_keep_a_constant_number_of_queries(
    clerk, django_assert_max_num_queries
):
    PatientFactory.create_batch(3, first_name="Mary")
    with django_assert_max_num_queries(20) as few:
        clerk.get(reverse("patient_list"), {"q": "mary"})
    PatientFactory.create_batch(300, first_name="Mary")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = clerk.get(reverse("patient_list"), {"q": "mary"})

    assert response.status_code == 200


def test_opening_a_chart_is_audited_and_reception_sees_no_clinical_notes(make_user, client_for):
    patient = PatientFactory(allergies="Penicillin", medical_history="Asthma since childhood")
    clerk = make_user(rbac.RECEPTIONIST)
    nurse = make_user(rbac.NURSE)

    at_desk = client_for(clerk).get(reverse("patient_chart", args=[patient.pk])).content.decode()
    on_ward = client_for(nurse).get(reverse("patient_chart", args=[patient.pk])).content.decode()

    assert (
        "Penicillin" not in at_desk
        and "Asthma" not in at_desk
        and phone_local(patient.phone) in at_desk
    )
    assert "Penicillin" in on_ward and "Asthma since childhood" in on_ward
    viewers = set(
        AuditEntry.objects.filter(
            action="patient.view_chart", patient_id=str(patient.pk)
        ).values_list("actor_username", flat=True)
    )
    assert viewers == {clerk.username, nurse.username}


def test_a_patient_sees_only_their_own_record(make_user, client_for):
    me = make_user(rbac.PATIENT)
    mine = PatientFactory(user=me)
    someone_else = PatientFactory(first_name="Secretia")
    client = client_for(me)

    own = client.get(reverse("patient_chart", args=[mine.pk]))
    other = client.get(reverse("patient_chart", args=[someone_else.pk]))
    listing = client.get(reverse("patient_list"))

    assert own.status_code == 200
    assert other.status_code == 404 and "Secretia" not in other.content.decode()
    assert listing.status_code == 302 and listing["Location"] == reverse(
        "patient_chart", args=[mine.pk]
    )


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<b hx-get="/users/">x</b>'],
)
def test_names_and_notes_are_escaped_wherever_they_appear(make_user, client_for, payload):
    patient = PatientFactory(first_name=payload, allergies=payload, medical_history=payload)
    client = client_for(make_user(rbac.DOCTOR))

    pages = [
        client.get(reverse("patient_chart", args=[patient.pk])).content.decode(),
        client.get(reverse("patient_list")).content.decode(),
        client.get(
            reverse("patient_list"),
            {"q": patient.last_name},
            headers={"HX-Request": "true", "HX-Target": "patient-results"},
        ).content.decode(),
    ]

    for page in pages:
        assert payload not in page


# --- lifecycle -----------------------------------------------------------------------------


def test_allowed_transitions_are_recorded_with_who_and_why(make_user):
    clerk = make_user(rbac.RECEPTIONIST)
    patient = PatientFactory()

    services.patient_transition(
        actor=clerk, patient=patient, to_state=PatientState.ARCHIVED, reason="Moved away"
    )
    services.patient_transition(actor=clerk, patient=patient, to_state=PatientState.REGISTERED)

    changes = list(
        patient.state_changes.order_by("id").values_list("from_state", "to_state", "by", "reason")
    )
    assert changes == [
        (PatientState.REGISTERED, PatientState.ARCHIVED, clerk.pk, "Moved away"),
        (PatientState.ARCHIVED, PatientState.REGISTERED, clerk.pk, ""),
    ]
    assert AuditEntry.objects.filter(action="patient.state_change").count() == 2


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (PatientState.ADMITTED, PatientState.ARCHIVED, "Discharge the patient first"),
        (
            PatientState.APPOINTMENT_SCHEDULED,
            PatientState.ARCHIVED,
            "Cancel the patient's appointments first",
        ),
        (PatientState.ARCHIVED, PatientState.ADMITTED, "Reactivate"),
        (PatientState.REGISTERED, PatientState.DISCHARGED, "cannot become Discharged"),
    ],
)
def test_an_invalid_transition_is_refused_and_changes_nothing(make_user, current, target, message):
    patient = PatientFactory(state=current)

    with pytest.raises(lifecycle.TransitionRefused, match=message):
        services.patient_transition(actor=make_user(rbac.ADMIN), patient=patient, to_state=target)

    assert Patient.objects.get(pk=patient.pk).state == current
    assert not patient.state_changes.exists()


def test_archiving_from_the_chart_hides_the_patient_and_keeps_the_record(clerk):
    patient = PatientFactory(first_name="Zawadi")

    clerk.post(reverse("patient_archive", args=[patient.pk]))

    assert Patient.objects.get(pk=patient.pk).state == PatientState.ARCHIVED
    listing = clerk.get(reverse("patient_list")).content.decode()
    assert reverse("patient_chart", args=[patient.pk]) not in listing
    assert clerk.get(reverse("patient_chart", args=[patient.pk])).status_code == 200


def test_archiving_an_admitted_patient_from_the_chart_says_why_not(clerk):
    patient = PatientFactory(state=PatientState.ADMITTED)

    response = clerk.post(reverse("patient_archive", args=[patient.pk]), follow=True)

    assert "Discharge the patient first" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).state == PatientState.ADMITTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_registering_at_once_get_distinct_consecutive_mrns(make_user):
    clerks = [make_user(rbac.RECEPTIONIST), make_user(rbac.RECEPTIONIST)]

    def register_one(n: int) -> object:
        for i in range(5):
            services.patient_register(
                actor=clerks[n],
                fields={
                    "first_name": f"Clerk{n}",
                    "last_name": f"Patient{i}",
                    "date_of_birth": date(1980 + n, 1, 1 + i),
                    "sex": "F",
                    "phone": f"07{n}{i}000000",
                },
                not_a_duplicate=True,
            )
        return "registered"

    outcome = race(register_one)

    assert list(outcome.values()) == ["registered", "registered"], outcome
    assert sorted(Patient.objects.values_list("mrn", flat=True)) == [
        f"{n:06d}" for n in range(1, 11)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_desks_registering_the_same_walk_in_at_once_make_one_record(make_user):
    """Found by a tester (session 33): three tabs sent the same new patient at the same moment
    and made three records; the likeness check ran in each before any had saved."""
    clerks = [make_user(rbac.RECEPTIONIST) for _ in range(3)]

    def register(n: int) -> object:
        return services.patient_register(
            actor=clerks[n],
            fields={
                "first_name": "Two",
                "last_name": "Tabs",
                "date_of_birth": date(1988, 8, 8),
                "sex": "F",
                "phone": "0733000222",
            },
        )

    outcome = race(register, runners=3)

    assert kinds(outcome) == ["DuplicateSuspected", "DuplicateSuspected", "Patient"], outcome
    assert Patient.objects.filter(last_name="Tabs").count() == 1


def test_age_is_counted_in_whole_years(db):
    patient = PatientFactory(date_of_birth=date(2000, 6, 15))

    assert patient.age_on(date(2026, 6, 14)) == 25
    assert patient.age_on(date(2026, 6, 15)) == 26
    assert timezone.localdate()  # the chart uses the hospital's date


def test_reception_creates_a_portal_login_shown_once_and_changed_at_first_sign_in(clerk):
    from django.test import Client

    patient = PatientFactory(first_name="Achieng")

    page = clerk.post(
        reverse("patient_portal_login", args=[patient.pk]), {"username": "achieng"}
    ).content.decode()
    password = page.split('data-testid="portal-password">')[1].split("<")[0]
    portal = Client()
    portal.post("/accounts/login/", {"login": "achieng", "password": password})
    first_page = portal.get(reverse("dashboard"))

    patient.refresh_from_db()
    assert patient.user.username == "achieng" and patient.user.role == rbac.PATIENT
    assert first_page["Location"].startswith(reverse("account_change_password"))
    assert AuditEntry.objects.filter(
        action="patient.portal_login", patient_id=str(patient.pk)
    ).exists()
    again = clerk.post(
        reverse("patient_portal_login", args=[patient.pk]), {"username": "other"}, follow=True
    )
    assert "already has a portal login" in again.content.decode()


def test_the_portal_shows_a_patient_only_their_own_prescriptions(make_user, client_for):
    from clinical.models import Encounter, Prescription

    me, other = make_user(rbac.PATIENT), make_user(rbac.PATIENT)
    doctor = make_user(rbac.DOCTOR)
    for user, drug in ((me, "Metformin"), (other, "Secretamol")):
        record = PatientFactory(user=user)
        visit = Encounter.objects.create(patient=record, doctor=doctor, started_at=timezone.now())
        Prescription.objects.create(
            encounter=visit,
            patient=record,
            doctor=doctor,
            drug=drug,
            dose="1",
            frequency="bd",
            duration="30 days",
        )
    client = client_for(me)

    page = client.get(reverse("portal_prescriptions")).content.decode()
    summary = client.get(reverse("portal_summary")).content.decode()

    assert "Metformin" in page and "Secretamol" not in page
    assert 'data-testid="portal-summary"' in summary
    assert client_for(doctor).get(reverse("portal_prescriptions")).status_code == 403


def test_a_cover_typed_as_already_ended_is_refused_beside_its_date(clerk):
    """Found by a tester (session 33): a cover valid until 01/01/2020 was registered without a
    word, and the invoice later showed an insurer's share of nothing with no reason."""
    page = register(clerk, insurance_valid_until="01/01/2020").content.decode()

    assert "That cover ended on 01/01/2020" in page and 'value="01/01/2020"' in page
    assert not Patient.objects.exists()


def test_a_record_whose_cover_has_since_ended_can_still_be_edited(clerk, make_user):
    patient = PatientFactory(
        registered_by=make_user(rbac.RECEPTIONIST),
        insurance={
            "provider": "SHA",
            "policy_number": "SHA-1",
            "coverage_percent": "80.00",
            "valid_until": "2020-01-01",
        },
    )
    page = clerk.get(reverse("patient_edit", args=[patient.pk])).content.decode()
    form = form_as_shown(page, containing="first_name")

    saved = clerk.post(
        reverse("patient_edit", args=[patient.pk]),
        form | {"address": ["Thika Road"], "submission": [new_token()]},
    )

    patient.refresh_from_db()
    assert saved.status_code == 302
    assert patient.address == "Thika Road" and patient.insurance["valid_until"] == "2020-01-01"
