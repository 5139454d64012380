"""The lab's lists never stop silently: a patient's tests panel is paged and says how many tests
there are, and the doctor's dashboard panel says "15 of 40 · see all" and links to the paged list
of the doctor's patients' results; each asks a constant number of queries however many rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lab.models import PRIORITY_RANK, OrderStatus, Priority, TestOrder
from tests.lab.conftest import make_patient


def add_orders(staff, test, patient, count: int, *, start: int = 0, days_ago: int = 0) -> None:
    now = timezone.now() - timedelta(days=days_ago)
    TestOrder.objects.bulk_create(
        TestOrder(
            number=f"CUT-{days_ago}-{start + i:06d}",
            patient=patient,
            test=test,
            priority=Priority.ROUTINE,
            priority_rank=PRIORITY_RANK[Priority.ROUTINE],
            machine_type=test.machine_type,
            status=OrderStatus.PENDING,
            ordered_at=now - timedelta(minutes=start + i),
            due_at=now + timedelta(hours=1),
            ordered_by=staff["doctor"],
        )
        for i in range(count)
    )


def test_the_patients_tests_panel_is_paged_with_its_count(staff, catalog, client_for):
    patient = make_patient()
    add_orders(staff, catalog["CBC"], patient, 45)
    client = client_for(staff["doctor"])
    url = reverse("lab_orders_panel", args=[patient.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert first.count('data-testid="lab-panel-row"') == 30
    assert "1–30 of 45 tests" in first
    assert 'data-testid="page-next"' in first
    assert f'hx-target="#lab-orders-{patient.pk}"' in first  # the panel replaces itself
    assert second.count('data-testid="lab-panel-row"') == 15
    assert "31–45 of 45 tests" in second
    assert "page=2" in second  # the live refresh keeps the page it shows


def test_the_panel_asks_the_same_number_of_queries_however_many_tests(
    staff, catalog, client_for, django_assert_max_num_queries
):
    patient = make_patient()
    add_orders(staff, catalog["CBC"], patient, 5)
    client = client_for(staff["doctor"])
    url = reverse("lab_orders_panel", args=[patient.pk])
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)

    add_orders(staff, catalog["CBC"], patient, 300, start=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "1–30 of 305 tests" in client.get(url).content.decode()


def test_the_doctors_results_panel_says_how_many_and_links_to_the_paged_list(
    staff, catalog, client_for, django_assert_max_num_queries
):
    patient = make_patient()
    add_orders(staff, catalog["CBC"], patient, 3)
    add_orders(staff, catalog["CBC"], patient, 5, days_ago=9)  # older than the week: not listed
    client = client_for(staff["doctor"])
    client.get(reverse("lab_doctor_results"))
    with django_assert_max_num_queries(60) as few:
        panel = client.get(reverse("lab_doctor_results")).content.decode()
    assert panel.count('data-testid="doctor-result"') == 3
    assert 'data-testid="more"' not in panel  # nothing cut, nothing to say

    add_orders(staff, catalog["CBC"], patient, 67, start=3)
    # One more: the full panel's count (a short one is its own count, hms.paging.first_of).
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        panel = client.get(reverse("lab_doctor_results")).content.decode()
    all_url = reverse("lab_doctor_results_all")
    assert panel.count('data-testid="doctor-result"') == 15
    assert "15 of 70" in panel and f'href="{all_url}"' in panel

    first = client.get(all_url)
    assert first.status_code == 200
    page = first.content.decode()
    assert "My patients&#x27; results" in page or "My patients' results" in page
    assert page.count('data-testid="doctor-result"') == 50
    assert "1–50 of 70 tests" in page and 'data-testid="page-next"' in page
    second = client.get(all_url, {"page": 2}).content.decode()
    assert second.count('data-testid="doctor-result"') == 20
    assert "51–70 of 70 tests" in second


@pytest.mark.parametrize("who", ["nurse", "tech", "reception"])
def test_only_who_orders_tests_opens_the_results_list(staff, client_for, who):
    assert client_for(staff[who]).get(reverse("lab_doctor_results_all")).status_code == 403
