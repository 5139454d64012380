"""The MAR's screens: the nurse records doses from the round and the chart, the doctor orders and
stops, refusals show beside what they are about with what was typed, a repeated submission
records once, and the pages read a fixed number of queries with a 60-bed ward."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from hms.submissions import new_token
from pharmacy import ledger, services
from pharmacy.models import MedicationAdministration, MedicationOrder
from tests.factories import AdmissionFactory, BedFactory, UserFactory
from tests.pharmacy.mar_rx import local, ordered, stocked_ward

pytestmark = pytest.mark.django_db

NOON = local(2026, 11, 30, 12, 30)
START = local(2026, 11, 30, 0, 30)  # last night: its 06:00 dose falls in the shift before


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nurse():
    return UserFactory(role="nurse")


def dose_post(order, due, **fields):
    data = {
        "outcome": "given",
        "due": int(due.timestamp()),
        "submission": new_token(),
        "from": "round",
        "next": reverse("mar_round") + f"?ward={order.admission.bed.ward_id}",
    }
    data.update(fields)
    return data


def test_the_nurse_gives_a_dose_from_the_round_and_sees_it_given(clock, client_for, nurse):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=START)
    client = client_for(nurse)
    page = client.get(reverse("mar_round"), {"ward": admission.bed.ward_id})
    text = page.content.decode()
    assert admission.patient.full_name in text
    assert 'data-due="14:00"' in text  # the day shift's tds dose
    assert 'data-due="06:00"' in text and 'data-overdue="true"' in text  # last night's, missed
    response = client.post(
        reverse("dose_record", args=[order.pk]), dose_post(order, local(2026, 11, 30, 6))
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mar_round"))
    page = client.get(response["Location"])
    assert 'data-testid="dose-outcome">Given<' in page.content.decode()
    assert 'data-overdue="true"' not in page.content.decode()
    assert ledger.on_hand(item=item, store=store) == 8


def test_a_dose_not_given_without_a_reason_is_refused_beside_it_keeping_the_choice(
    clock, client_for, nurse
):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=START)
    response = client_for(nurse).post(
        reverse("dose_record", args=[order.pk]),
        dose_post(order, local(2026, 11, 30, 6), outcome="refused", reason=""),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="dose-refusal"' in text
    assert "Say why the dose was not given" in text
    assert '<option value="refused" selected>' in text
    assert not MedicationAdministration.objects.exists()


def test_a_double_submission_records_once(clock, client_for, nurse):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=START)
    client = client_for(nurse)
    data = dose_post(order, local(2026, 11, 30, 6))
    first = client.post(reverse("dose_record", args=[order.pk]), data)
    second = client.post(reverse("dose_record", args=[order.pk]), data)
    assert (first.status_code, second.status_code) != (200, 200)
    assert MedicationAdministration.objects.count() == 1
    assert ledger.on_hand(item=item, store=store) == 8


def test_the_doctor_orders_from_the_chart_and_bad_input_keeps_what_was_typed(clock, client_for):
    admission, item, _ = stocked_ward(10)
    doctor = UserFactory(role="doctor")
    client = client_for(doctor)
    url = reverse("medication_order_new", args=[admission.pk])
    typed = {
        "drug": "Paracetamol",
        "item": item.pk,
        "dose": "1 g",
        "units_per_dose": "2",
        "route": "oral",
        "frequency": "prn",
        "prn_max_per_24h": "4",
        "indication": "",
        "submission": new_token(),
    }
    refused = client.post(url, typed)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Say what it is for" in text
    assert 'value="1 g"' in text
    assert not MedicationOrder.objects.exists()
    typed.update(indication="Pain or fever", submission=new_token())
    done = client.post(url, typed)
    assert done.status_code == 302
    order = MedicationOrder.objects.get()
    assert (order.frequency, order.prn_max_per_24h, order.ordered_by) == ("prn", 4, doctor)
    chart = client.get(reverse("medication_chart", args=[admission.pk])).content.decode()
    assert "When required: Pain or fever" in chart


def test_the_nurse_may_not_order_or_stop(clock, client_for, nurse):
    admission, item, _ = stocked_ward(10)
    order = ordered(admission, item)
    client = client_for(nurse)
    assert (
        client.post(reverse("medication_order_stop", args=[order.pk]), {"reason": "no"}).status_code
        == 403
    )
    assert MedicationOrder.objects.get().stopped_at is None
    chart = client.get(reverse("medication_chart", args=[admission.pk])).content.decode()
    assert 'data-testid="stop"' not in chart and 'data-testid="order-form"' not in chart


def test_the_doctor_stops_an_order_with_a_reason(clock, client_for):
    admission, item, _ = stocked_ward(10)
    order = ordered(admission, item)
    client = client_for(UserFactory(role="doctor"))
    url = reverse("medication_order_stop", args=[order.pk])
    refused = client.post(url, {"reason": "", "submission": new_token()})
    assert "Say why the order is stopped" in refused.content.decode()
    assert MedicationOrder.objects.get().stopped_at is None
    client.post(url, {"reason": "Course complete", "submission": new_token()})
    assert MedicationOrder.objects.get().stop_reason == "Course complete"
    chart = client.get(reverse("medication_chart", args=[admission.pk])).content.decode()
    assert "Course complete" in chart and 'data-testid="no-orders"' in chart


def _ward_of_60(item_count: int = 2):
    first, item, store = stocked_ward(500)
    ward = first.bed.ward
    stays = [first] + [
        AdmissionFactory(bed=BedFactory(ward=ward), admitted_at=first.admitted_at)
        for _ in range(59)
    ]
    doctor = UserFactory(role="doctor")
    for stay in stays:
        ordered(stay, item, doctor=doctor, start_at=START)
        ordered(
            stay,
            item,
            doctor=doctor,
            frequency="prn",
            prn_max_per_24h=4,
            indication="pain",
            units_per_dose=1,
        )
    return ward, stays


def test_the_pages_read_a_fixed_number_of_queries_with_a_60_bed_ward(
    clock, client_for, nurse, django_assert_max_num_queries
):
    ward, stays = _ward_of_60()
    client = client_for(nurse)
    client.get(reverse("mar_overdue"))  # the session and the user, read once
    with django_assert_max_num_queries(14):
        page = client.get(reverse("mar_round"), {"ward": ward.pk})
    assert page.content.decode().count('data-testid="round-bed"') == 20  # a page of beds
    assert "of 60" in page.content.decode()
    with django_assert_max_num_queries(10):
        overdue = client.get(reverse("mar_overdue"))
    assert 'data-testid="mar-overdue-count">60<' in overdue.content.decode()
    with django_assert_max_num_queries(14):
        client.get(reverse("medication_chart", args=[stays[0].pk]))
    with django_assert_max_num_queries(10):
        client.get(reverse("medication_panel", args=[stays[0].pk]))


def test_the_discharge_order_opens_with_the_charts_active_medicines(clock, client_for):
    admission, item, _ = stocked_ward(10)
    ordered(admission, item, dose="1 g", route="oral", frequency="tds")
    stopped = ordered(admission, item, dose="500 mg", frequency="od")
    doctor = UserFactory(role="doctor")
    services.medication_order_stop(actor=doctor, order=stopped, reason="Course complete")
    page = client_for(doctor).get(reverse("admission_detail", args=[admission.pk]))
    text = page.content.decode()
    assert f"{item.name} 1 g by mouth Three times daily (06:00, 14:00, 22:00)" in text
    assert f"{item.name} 500 mg" not in text


def test_a_discharged_stays_chart_is_read_only(clock, client_for, nurse):
    admission, item, _ = stocked_ward(10)
    ordered(admission, item, start_at=START)
    type(admission).objects.filter(pk=admission.pk).update(discharged_at=NOON)
    chart = client_for(nurse).get(reverse("medication_chart", args=[admission.pk]))
    assert 'data-testid="give"' not in chart.content.decode()
    doctors = client_for(UserFactory(role="doctor")).get(
        reverse("medication_chart", args=[admission.pk])
    )
    assert 'data-testid="order-form"' not in doctors.content.decode()


def test_a_prn_order_with_a_planned_stop_is_given_until_then(clock, client_for, nurse):
    admission, item, store = stocked_ward(10)
    order = ordered(
        admission,
        item,
        frequency="prn",
        prn_max_per_24h=4,
        indication="pain",
        units_per_dose=1,
        stop_at=NOON + timedelta(days=2),
    )
    page = client_for(nurse).get(reverse("mar_round"), {"ward": admission.bed.ward_id})
    prn = page.content.decode().split(f'data-testid="prn" data-order="{order.pk}"')[1]
    assert 'data-testid="give"' in prn.split("</details>")[0]


def test_a_dose_due_on_another_day_says_its_day(client_for, nurse):
    with time_machine.travel(local(2026, 11, 30, 6, 30), tick=False):
        admission, item, _store = stocked_ward(10)
        ordered(admission, item, start_at=local(2026, 11, 29, 20, 0))
        client = client_for(nurse)

        round_page = client.get(reverse("mar_round"), {"ward": admission.bed.ward_id})
        overdue = client.get(reverse("mar_overdue"))

    text = round_page.content.decode()
    assert 'data-due="22:00" data-overdue="true"' in text
    assert 'data-testid="dose-day">Sun 29 Nov<' in text
    assert "due 22:00 Sun 29 Nov" in overdue.content.decode()
