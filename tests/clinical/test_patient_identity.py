"""A patient's identity at the desk: an identity document names one record (the database says
so too), the insurance scheme is SHA unless another is chosen, phones are stored in E.164 and
shown the local way, and registration shows the likely duplicates, the surest first, before a
second record is made. Dates of birth are typed day first."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinical import selectors
from clinical.models import Patient
from hms import rbac
from tests.factories import PatientFactory

FORM = {
    "first_name": "Wanjiru",
    "last_name": "Kamau",
    "date_of_birth": "04/12/1988",
    "sex": "F",
    "phone": "0712100003",
    "id_type": "national_id",
    "id_number": "25 000 003",
    "address": "Kiambu Road",
}


@pytest.fixture
def clerk(make_user, client_for):
    return client_for(make_user(rbac.RECEPTIONIST))


def register(client, **changes):
    return client.post(reverse("patient_register"), FORM | changes)


def test_a_registration_stores_e164_and_the_document_and_reads_back_the_local_way(clerk):
    response = register(clerk)

    patient = Patient.objects.get()
    chart = clerk.get(response.url).content.decode()
    assert patient.phone == "+254712100003"
    assert (patient.id_type, patient.id_number) == ("national_id", "25000003")
    assert patient.date_of_birth == date(1988, 12, 4)  # 4 December, never 12 April
    assert "0712 100 003" in chart and "National ID 25000003" in chart
    assert "4 Dec 1988" in chart or "04 Dec 1988" in chart


def test_the_edit_form_shows_the_date_day_first_and_the_phone_the_local_way(clerk):
    register(clerk, date_of_birth="31/12/1988")
    patient = Patient.objects.get()

    form = clerk.get(reverse("patient_edit", args=[patient.pk])).content.decode()

    assert patient.date_of_birth == date(1988, 12, 31)
    assert 'value="31/12/1988"' in form and 'placeholder="dd/mm/yyyy"' in form
    assert 'value="0712 100 003"' in form
    assert 'type="date"' not in form


def test_a_date_typed_month_first_is_refused_beside_its_field_and_kept(clerk):
    page = register(clerk, date_of_birth="12/31/1988").content.decode()

    assert "day/month/year" in page and 'value="12/31/1988"' in page
    assert not Patient.objects.exists()


def test_a_document_already_on_a_record_is_refused_even_when_the_clerk_confirms(clerk):
    holder = PatientFactory(
        first_name="Achieng", last_name="Odhiambo", id_type="national_id", id_number="25000003"
    )

    page = register(clerk, not_a_duplicate="on").content.decode()

    assert "already on the record of Achieng Odhiambo" in page
    assert f"MRN {holder.mrn}" in page and 'value="25 000 003"' in page
    assert Patient.objects.count() == 1


def test_the_same_number_of_another_document_type_is_someone_else(clerk):
    PatientFactory(id_type="passport", id_number="25000003", phone="+254799000000")

    assert register(clerk).status_code == 302
    assert Patient.objects.count() == 2


def test_the_database_refuses_a_second_record_with_the_same_document(db):
    PatientFactory(id_type="national_id", id_number="25000003")
    PatientFactory(id_type="", id_number="")
    PatientFactory(id_type="", id_number="")  # many patients have no document: no clash

    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(id_type="national_id", id_number="25000003")
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(id_type="passport", id_number="")  # a type without its number


def test_a_number_without_its_document_type_is_asked_for(clerk):
    page = register(clerk, id_type="").content.decode()

    assert "Choose which document this number is from" in page
    assert not Patient.objects.exists()


def test_a_member_number_without_a_scheme_is_sha_and_the_same_member_is_a_likely_duplicate(clerk):
    register(
        clerk,
        insurance_policy_number="sha-77 1234",
        insurance_coverage_percent="100",
    )
    first = Patient.objects.get()

    again = register(
        clerk,
        first_name="Mary",
        last_name="Otieno",
        phone="0733 111 222",
        id_type="",
        id_number="",
        date_of_birth="01/01/1970",
        insurance_provider="SHA",
        insurance_policy_number="SHA771234",
        insurance_coverage_percent="100",
    ).content.decode()

    assert first.insurance["provider"] == "SHA"
    assert 'data-testid="duplicate-warning"' in again
    assert "same SHA member number" in again and f"MRN {first.mrn}" in again


def test_the_member_number_is_shown_first_then_the_phone_then_the_name(db):
    by_name = PatientFactory(
        first_name="Wanjiru", last_name="Kamau", date_of_birth=date(1988, 12, 4), mrn="000003"
    )
    by_phone = PatientFactory(phone="+254712100003", mrn="000002")
    by_member = PatientFactory(
        insurance={"provider": "SHA", "policy_number": "SHA-1"}, mrn="000001"
    )

    found = selectors.likely_duplicates(
        first_name="Kamau",
        last_name="Wanjeru",  # surname first, a letter wrong
        date_of_birth=date(1988, 12, 4),
        phone="0712 100 003",
        member_number="SHA1",
        scheme="SHA",
    )

    assert list(found) == [by_member, by_phone, by_name]
    assert [p.duplicate_reason for p in found] == [
        "same SHA member number",
        "same phone",
        "same birth date, a name like this one",
    ]


def test_the_scheme_list_offers_sha_first_and_no_longer_nhif(clerk):
    form = clerk.get(reverse("patient_register")).content.decode()

    assert "SHA (Social Health Authority)" in form
    assert form.index("SHA (Social Health Authority)") < form.index(">AAR<")
    assert "NHIF" not in form
