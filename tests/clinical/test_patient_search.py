"""The desk's patient search finds people as they are typed: a letter or two wrong, surname first,
without the accent or the apostrophe, a part of the phone in any form, of the ID or of the MRN;
the best match first, in a constant number of queries. Runs on SQLite (RapidFuzz over candidates)
and, in the PostgreSQL pass, on pg_trgm."""

import pytest
from django.urls import reverse

from clinical import selectors
from hms import rbac
from tests.factories import PatientFactory


@pytest.fixture
def people(db):
    return {
        "wanjiru": PatientFactory(
            first_name="Wanjiru",
            last_name="Kamau",
            phone="+254712100003",
            id_type="national_id",
            id_number="25000003",
            mrn="000123",
        ),
        "obrien": PatientFactory(first_name="Seán", last_name="O'Brien", phone="+254733111222"),
        "zoe": PatientFactory(first_name="Zoé", last_name="Njeri", phone="+254722000111"),
        "kiprop": PatientFactory(first_name="Kiprop", last_name="Chebet", phone="+254799000000"),
        "wambui": PatientFactory(first_name="Grace", last_name="Wambui", phone="+254711555666"),
    }


def found(query: str) -> list:
    return list(selectors.patient_search(query))


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("Wanjeru", "wanjiru"),  # one letter wrong
        ("Wanjeru Kamua", "wanjiru"),  # a letter wrong in each word, two swapped
        ("Kamau Wanjiru", "wanjiru"),  # surname first
        ("kamau", "wanjiru"),
        ("OBrien", "obrien"),  # no apostrophe typed
        ("o'brien sean", "obrien"),  # an apostrophe typed, no accent, surname first
        ("Zoe", "zoe"),  # no accent typed
        ("Chebett", "kiprop"),
        ("0712", "wanjiru"),  # the phone's start, as written here
        ("+254712", "wanjiru"),  # the phone's start, international
        ("712 100", "wanjiru"),  # a part of the phone
        ("0733 111 222", "obrien"),  # the whole phone
        ("2500", "wanjiru"),  # a part of the national ID
        ("123", "wanjiru"),  # the MRN's end without its zeros
        ("000123", "wanjiru"),
    ],
)
def test_the_search_finds_the_person_the_clerk_means(people, query, who):
    assert found(query)[:1] == [people[who]], query


def test_the_closest_name_comes_first(people):
    close = PatientFactory(first_name="Wanjiku", last_name="Kamau")

    results = found("wanjiru kamau")

    assert results[0] == people["wanjiru"]
    assert close in results


def test_a_phone_typed_the_local_way_comes_before_mrns_with_the_same_digits(people):
    PatientFactory(mrn="071200", phone="+254799123456")
    PatientFactory(mrn="000712", phone="+254799123457")

    assert found("0712")[0] == people["wanjiru"]
    assert found("000712")[0].mrn == "000712"  # an MRN typed whole is that MRN


def test_a_name_nobody_has_finds_nobody(people):
    assert found("Zzyzx") == []
    assert found("Otieno Barasa") == []


def test_the_search_pages_and_counts_in_a_constant_number_of_queries(
    people, make_user, client_for, django_assert_max_num_queries
):
    clerk = client_for(make_user(rbac.RECEPTIONIST))
    url = reverse("patient_list")
    clerk.get(url, {"q": "wanjeru"})
    with django_assert_max_num_queries(40) as few:
        clerk.get(url, {"q": "wanjeru"})
    bound = len(few.captured_queries)
    for n in range(60):
        PatientFactory(first_name="Wanjiru", last_name=f"Kamau{n:02d}")

    with django_assert_max_num_queries(bound):
        page = clerk.get(url, {"q": "wanjeru"}).content.decode()

    assert "1–20 of 61 matches" in page
    assert "0712 100 003" in page  # the phone shown the local way


def test_as_you_type_finds_surname_first_with_a_typo(people, make_user, client_for):
    clerk = client_for(make_user(rbac.RECEPTIONIST))

    page = clerk.get(
        reverse("patient_list"),
        {"q": "kamau wanjeru"},
        headers={"HX-Request": "true", "HX-Target": "patient-results"},
    ).content.decode()

    assert "Wanjiru Kamau" in page and "<html" not in page
