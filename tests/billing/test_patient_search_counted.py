"""The billing desk's patient search says how many match beyond the first 20 (never a silent
cut), in a constant number of queries however many match."""

from django.urls import reverse

from tests.factories import PatientFactory

HTMX = {"HX-Request": "true", "HX-Target": "billing-patients"}


def test_the_desks_patient_search_says_how_many_match(
    staff, client_for, django_assert_max_num_queries
):
    for n in range(3):
        PatientFactory(first_name="Zawadi", last_name=f"Akinyi{n:02d}")
    client = client_for(staff.accountant)
    url = reverse("outstanding")
    few = client.get(url, {"q": "zawadi"}, headers=HTMX).content.decode()
    assert few.count('data-testid="billing-patient"') == 3
    assert 'data-testid="more"' not in few

    # A full list (21 matches) asks its count too; from there on, nothing grows with the rows.
    for n in range(3, 21):
        PatientFactory(first_name="Zawadi", last_name=f"Akinyi{n:02d}")
    with django_assert_max_num_queries(40) as full:
        client.get(url, {"q": "zawadi"}, headers=HTMX)
    bound = len(full.captured_queries)
    for n in range(21, 57):
        PatientFactory(first_name="Zawadi", last_name=f"Akinyi{n:02d}")
    with django_assert_max_num_queries(bound):
        found = client.get(url, {"q": "zawadi"}, headers=HTMX).content.decode()
    assert found.count('data-testid="billing-patient"') == 20
    assert "20 of 57 matches: type more of the name" in found
