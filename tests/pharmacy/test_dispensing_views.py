"""The dispensing screens as the pharmacist uses them: the queue (paged, counted, constant
queries), the dispense form (refusals beside their field, nothing changed), a double click, the
label's text, a return from the dispense's page."""

import subprocess
import uuid

import pytest
from django.urls import reverse

from billing.models import Charge
from clinical.models import Prescription
from pharmacy.models import Dispense, StockBalance
from pharmacy.services import dispense, sale_record
from tests.factories import AdmissionFactory, FormularyItemFactory, PatientFactory, UserFactory
from tests.pharmacy.rx import (
    DISPENSE_SCREEN_QUERIES,
    QUEUE_QUERIES,
    SUMMARY_QUERIES,
    prescribed,
    stocked,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist():
    return UserFactory(role="pharmacist", first_name="Faith", last_name="Otieno")


@pytest.fixture
def counter(client_for, pharmacist):
    return client_for(pharmacist)


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_the_queue_marks_inpatients_and_what_is_left_with_constant_queries(
    counter, pharmacist, django_assert_max_num_queries
):
    item, _ = stocked(units=(500,), actor=pharmacist)
    inpatient = AdmissionFactory(bed__ward__name="Maternity", bed__number="07")
    prescribed(item, 6, patient=inpatient.patient)
    partly = prescribed(item, 10)
    partly.dispensed_quantity = 4
    partly.save()
    prescribed(item, 3, outside=True)  # bought elsewhere: never in the queue
    done = prescribed(item, 2)
    done.dispensed_quantity = 2
    done.save()

    page = counter.get(reverse("dispense_queue")).content.decode()

    assert page.count('data-testid="queue-row"') == 2
    assert "Inpatient · Maternity, bed 07" in page
    assert "6 of 10 left" in page
    assert "2 waiting in all" in page
    for _ in range(30):
        prescribed(item, 5, patient=AdmissionFactory().patient)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        many = counter.get(reverse("dispense_queue")).content.decode()
    assert many.count('data-testid="queue-row"') == 25
    assert "1–25 of 32 waiting" in many


def test_the_home_panel_and_the_dispense_screen_keep_their_queries_with_32_waiting(
    counter, pharmacist, django_assert_max_num_queries
):
    item, _ = stocked(units=(500,), actor=pharmacist)
    for brand in ("Alpha", "Beta", "Gamma"):
        stocked(FormularyItemFactory(generic_name=item.generic_name, brand=brand), units=(40,))
    for n in range(32):
        prescribed(item, 5, patient=AdmissionFactory().patient if n % 2 else None)
    rx = prescribed(item, 5, patient=AdmissionFactory(bed__ward__name="Maternity").patient)
    for _ in range(6):
        sale_record(
            actor=pharmacist,
            customer_name="",
            customer_phone="",
            lines=[(item, 1)],
            payment_mode="cash",
        )
    url = reverse("dispense_new", args=[rx.pk])

    with django_assert_max_num_queries(SUMMARY_QUERIES):
        panel = counter.get(reverse("pharmacy_summary")).content.decode()
    with django_assert_max_num_queries(DISPENSE_SCREEN_QUERIES):
        page = counter.get(url).content.decode()
    with django_assert_max_num_queries(DISPENSE_SCREEN_QUERIES):
        counter.get(url, {"item": item.pk, "quantity": "3"}, headers={"HX-Request": "true"})

    assert ">33<" in panel
    assert "Inpatient · Maternity" in page and "Beta" in page
    assert 'data-testid="more-items"' not in page


def test_a_quantity_over_what_is_left_is_refused_beside_it_and_keeps_what_was_typed(
    counter, pharmacist
):
    item, _ = stocked(units=(50,), actor=pharmacist)
    rx = prescribed(item, 10)
    url = reverse("dispense_new", args=[rx.pk])

    page = counter.get(url).content.decode()
    response = counter.post(url, {"item": item.pk, "quantity": "11", "substitution_reason": "x y"})

    assert "10 tablets" in page and "FEFO" in page
    preview = counter.get(url, {"item": item.pk, "quantity": "3"}, headers={"HX-Request": "true"})
    assert "Charge: 3 × KES 10.00 = <strong>KES 30.00</strong>" in preview.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert "between 1 and 10" in " ".join(form.errors["quantity"])
    assert 'value="x y"' in response.content.decode()
    assert not Dispense.objects.exists()


def test_dispensing_from_the_screen_once_however_often_it_is_sent(counter, pharmacist):
    item, _ = stocked(units=(50,), actor=pharmacist)
    rx = prescribed(item, 10)
    url = reverse("dispense_new", args=[rx.pk])
    token = str(uuid.uuid4())
    data = {"item": item.pk, "quantity": "4", "submission": token}

    first = counter.post(url, data)
    again = counter.post(url, data)

    record = Dispense.objects.get()
    assert first["Location"] == reverse("dispense_detail", args=[record.pk])
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Prescription.objects.get(pk=rx.pk).dispensed_quantity == 4
    page = counter.get(first["Location"]).content.decode()
    assert "Dispense the rest" in page and ">6 ·" in page.replace("\n", "")


def test_a_substitute_found_by_search_is_given_with_its_reason(counter, pharmacist):
    item, _ = stocked(units=(0,), actor=pharmacist)
    other, _ = stocked(FormularyItemFactory(generic_name="Coartem", brand="Novartis"), units=(9,))
    rx = prescribed(item, 6)
    url = reverse("dispense_new", args=[rx.pk]) + "?q=coart"

    page = counter.get(url).content.decode()
    refused = counter.post(url, {"item": other.pk, "quantity": "6"})
    counter.post(url, {"item": other.pk, "quantity": "6", "substitution_reason": "Out of stock"})

    assert "None in stock" in page and other.name in page
    assert "Say why" in " ".join(refused.context["form"].errors["substitution_reason"])
    assert Dispense.objects.get().item == other


def test_the_label_names_patient_drug_directions_batch_and_who_dispensed(counter, pharmacist):
    patient = PatientFactory(first_name="Amina", last_name="Wanjiru")
    item, (batch,) = stocked(units=(30,), actor=pharmacist)
    rx = prescribed(item, 10, patient=patient, instructions="After meals")
    record = Dispense.objects.get(
        pk=counter.post(reverse("dispense_new", args=[rx.pk]), {"item": item.pk, "quantity": 10})[
            "Location"
        ]
        .rstrip("/")
        .split("/")[-1]
    )

    response = counter.get(reverse("dispense_label", args=[record.pk]))

    text = pdf_text(response.content)
    assert response["Content-Type"] == "application/pdf"
    for words in (
        "Amina Wanjiru",
        patient.mrn,
        item.name,
        "1 tablet twice a day for 5 days",
        "After meals",
        batch.batch_number,
        f"{batch.expiry_date:%-d %b %Y}",
        "10 tablets",
        "Faith Otieno",
        record.number,
    ):
        assert words in text, words


def test_a_return_from_the_dispense_page_credits_the_bill_and_refills_the_shelf(
    counter, pharmacist
):
    item, (batch,) = stocked(units=(30,), actor=pharmacist)
    rx = prescribed(item, 10)
    counter.post(reverse("dispense_new", args=[rx.pk]), {"item": item.pk, "quantity": 10})
    record = Dispense.objects.get()
    url = reverse("dispense_detail", args=[record.pk])

    refused = counter.post(url, {"quantity": "11", "reason": "Stopped"})
    counter.post(url, {"quantity": "4", "reason": "Stopped"})

    assert "between 1 and 10" in " ".join(refused.context["form"].errors["quantity"])
    assert StockBalance.objects.get(batch=batch).quantity == 24
    assert Charge.objects.filter(description__startswith="Reversal:").count() == 1
    page = counter.get(url).content.decode()
    assert "4 tablets on" in page and "Stopped" in page
    # The credit shown is the returned units' worth (4 × KES 10.00), not the reversed charge.
    assert "KES 40.00 taken off the bill" in page
    history = counter.get(reverse("patient_dispenses", args=[rx.patient_id])).content.decode()
    assert record.number in history and 'data-testid="return-link"' in history


def test_the_sales_list_and_a_patients_history_keep_their_queries_as_they_grow(
    counter, pharmacist, django_assert_max_num_queries
):
    item, _ = stocked(units=(500,), actor=pharmacist)
    patient = PatientFactory()
    rx = prescribed(item, 400, patient=patient)
    for _ in range(26):
        dispense(actor=pharmacist, prescription=rx, quantity=1)
        sale_record(
            actor=pharmacist,
            customer_name="",
            customer_phone="",
            lines=[(item, 1)],
            payment_mode="cash",
        )

    with django_assert_max_num_queries(14):
        sales = counter.get(reverse("sale_list")).content.decode()
    with django_assert_max_num_queries(16):
        history = counter.get(reverse("patient_dispenses", args=[patient.pk])).content.decode()

    assert "1–25 of 26 sales" in sales
    assert "1–25 of 26 dispenses" in history


def test_the_only_pharmacy_store_comes_with_the_prescription_and_several_are_read(
    counter, pharmacist
):
    """The dispense screen's prescription counts the stores that dispense and names the first:
    the only one is given from there without reading the stores (a hidden field, its name over
    the shelf); with several, they are read and offered in a select, by name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pharmacy.models import Store

    item, _ = stocked(units=(20,), actor=pharmacist)
    only = Store.objects.get(kind="pharmacy", active=True)
    Store.objects.filter(pk=only.pk).update(name='Main <pharmacy> & "co"')
    Store.objects.create(name="Closed pharmacy", kind="pharmacy", active=False)
    Store.objects.create(name="Main store", kind="main")
    url = reverse("dispense_new", args=[prescribed(item, 4).pk])

    with CaptureQueriesContext(connection) as queries:
        page = counter.get(url).content.decode()
    assert not [q for q in queries if q["sql"].startswith('SELECT "pharmacy_store"')]
    assert f'<input type="hidden" name="store" value="{only.pk}">' in page
    assert "· Main &lt;pharmacy&gt; &amp; &quot;co&quot;</span>" in page

    second = Store.objects.create(name="A ward-side pharmacy", kind="pharmacy")
    with CaptureQueriesContext(connection) as queries:
        page = counter.get(url).content.decode()
    assert len([q for q in queries if q["sql"].startswith('SELECT "pharmacy_store"')]) == 1
    assert 'name="store"' in page and '<input type="hidden" name="store"' not in page
    offered = page[page.index('<select name="store"') :]
    offered = offered[: offered.index("</select>")]
    assert offered.index(f'value="{second.pk}"') < offered.index(f'value="{only.pk}"')
    assert "Closed pharmacy" not in offered and "Main store" not in offered
