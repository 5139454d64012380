"""The dispensing counter costs the same few queries with 2,000 prescriptions waiting (2,000
formulary items, some patients on a ward) and 200,000 stock ledger rows as with 32: the queue, its
live fragment, the home panel and the dispense screen of one prescription. The queue still shows
the count of everything waiting and pages through all of it; nothing silently stops.

The rows are written with bulk_create (not through the services: their rules are tested
elsewhere) once for the module, on SQLite and on PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.models import ChargeItem
from clinical import search
from clinical.models import Allergy, Encounter, Patient, Prescription
from hms import rbac
from pharmacy.models import Batch, FormularyItem, StockBalance, StockMovement, Store
from tests.factories import AdmissionFactory, ledger_rows_inserted
from tests.pharmacy.rx import DISPENSE_SCREEN_QUERIES, QUEUE_QUERIES, SUMMARY_QUERIES

ITEMS = 2_000  # one prescription waiting for each
PATIENTS = 500  # four prescriptions each
INPATIENTS = 20  # of them, on a ward
ALLERGIC = 5  # of them, allergic to penicillins (and as many with no known allergies)
BRANDS = 50  # items sharing a generic name (the substitutes the dispense screen offers)
MOVEMENTS = 200_000
MARK = "Bulkrx"  # names every row the module writes, so it can take them away again


@pytest.fixture(scope="module")
def busy_counter(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        built = _build()
        try:
            yield built
        finally:
            _remove(**built)


def _build() -> dict:
    # One transaction: committing each INSERT of 200,000 rows on its own takes minutes.
    with transaction.atomic():
        keeper = User.objects.create(username="bulkrx.keeper", role=rbac.PHARMACIST)
        doctor = User.objects.create(
            username="bulkrx.doctor", role=rbac.DOCTOR, first_name="Bulk", last_name="Doctor"
        )
        store = Store.objects.create(name=f"{MARK} pharmacy", kind="pharmacy")
        charges = ChargeItem.objects.bulk_create(
            ChargeItem(
                code=f"BRX-{n:05d}",
                name=f"{MARK} drug {n}",
                category="pharmacy",
                charge_type="fixed",
                price=Decimal("10.00"),
            )
            for n in range(ITEMS)
        )
        items = FormularyItem.objects.bulk_create(
            FormularyItem(
                generic_name=f"{MARK} {n // BRANDS:03d}",
                brand=f"Brand {n:05d}",
                form="tablet",
                strength="500 mg",
                dispensing_unit="tablet",
                category="drug",
                reorder_level=100,
                charge_item=charge,
            )
            for n, charge in enumerate(charges)
        )
        expiry = timezone.localdate() + timedelta(days=300)
        batches = Batch.objects.bulk_create(
            Batch(item=item, batch_number=f"BRX{n:05d}", expiry_date=expiry, unit_cost=Decimal(2))
            for n, item in enumerate(items)
        )
        StockBalance.objects.bulk_create(
            StockBalance(
                store=store, batch=batch, item_id=batch.item_id, expiry_date=expiry, quantity=500
            )
            for batch in batches
        )
        patients = Patient.objects.bulk_create(
            Patient(
                mrn=f"8{n:05d}",
                first_name=MARK,
                last_name=f"Patient {n:03d}",
                date_of_birth=timezone.localdate() - timedelta(days=10_000 + n),
                sex="F" if n % 2 else "M",
                phone=f"0722{n:06d}",
                name_key=search.name_key(MARK, f"Patient {n:03d}"),
                phone_digits=search.phone_digits(f"0722{n:06d}"),
            )
            for n in range(PATIENTS)
        )
        now = timezone.now()
        encounters = Encounter.objects.bulk_create(
            Encounter(patient=patient, doctor=doctor, started_at=now) for patient in patients
        )
        Prescription.objects.bulk_create(
            Prescription(
                encounter=encounters[n % PATIENTS],
                patient=patients[n % PATIENTS],
                doctor=doctor,
                drug=item.generic_name,
                strength=item.strength,
                dose="1 tablet",
                frequency="twice a day",
                duration="5 days",
                formulary_item=item,
                quantity=10,
                dispensed_quantity=n % 3,  # some given in part: still waiting
            )
            for n, item in enumerate(items)
        )
        # The queue's first patients have coded allergies; the next have none known; the rest
        # were never asked (the allergy line of each row: one query for the page).
        Allergy.objects.bulk_create(
            Allergy(
                patient=patient,
                allergen_class="penicillins",
                reaction="hives",
                severity="severe",
                recorded_at=now,
                recorded_by=doctor,
            )
            for patient in patients[:ALLERGIC]
        )
        Patient.objects.filter(pk__in=[p.pk for p in patients[ALLERGIC : 2 * ALLERGIC]]).update(
            no_known_allergies_at=now
        )
        for patient in patients[:INPATIENTS]:
            AdmissionFactory(
                patient=patient,
                attending_doctor=doctor,
                admitted_by=doctor,
                bed__ward__name=f"{MARK} ward {patient.mrn}",
            )
        # Straight into the table (COPY on PostgreSQL): 200,000 model instances are slow in Python.
        ledger_rows_inserted(
            count=MOVEMENTS, stores=[store], batches=batches, keeper=keeper, now=now
        )
        return {"keeper": keeper, "doctor": doctor, "store": store}


def _remove(*, keeper, doctor, store) -> None:
    """The module's rows go, so the other modules start from an empty pharmacy."""
    from wards.models import Admission, Bed, BedStay, Ward

    with transaction.atomic():
        StockMovement.objects.filter(moved_by=keeper)._raw_delete(connection.alias)
        StockBalance.objects.filter(store=store).delete()
        Batch.objects.filter(batch_number__startswith="BRX").delete()
        Prescription.objects.filter(doctor=doctor).delete()
        Allergy.objects.filter(recorded_by=doctor).delete()
        Encounter.objects.filter(doctor=doctor).delete()
        BedStay.objects.filter(admission__attending_doctor=doctor).delete()
        Admission.objects.filter(attending_doctor=doctor).delete()
        Bed.objects.filter(ward__name__startswith=MARK).delete()
        Ward.objects.filter(name__startswith=MARK).delete()
        Patient.objects.filter(first_name=MARK).delete()
        FormularyItem.objects.filter(generic_name__startswith=MARK).delete()
        ChargeItem.objects.filter(code__startswith="BRX-").delete()
        store.delete()
        doctor.delete()
        keeper.delete()


@pytest.fixture
def counter(busy_counter, staff, client_for):
    return client_for(staff.pharmacist)


@pytest.mark.django_db
def test_the_queue_counts_and_pages_all_2000_waiting_in_a_few_queries(
    counter, django_assert_max_num_queries
):
    url = reverse("dispense_queue")

    with django_assert_max_num_queries(QUEUE_QUERIES):
        first = counter.get(url)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        last = counter.get(url, {"page": "80"})
    with django_assert_max_num_queries(QUEUE_QUERIES):
        fragment = counter.get(
            url, {"page": "2"}, headers={"HX-Request": "true", "HX-Target": "dispense-queue"}
        )

    page = first.content.decode()
    assert page.count('data-testid="queue-row"') == 25
    assert "1–25 of 2,000 waiting" in page and "Page 1 of 80" in page
    assert "Inpatient · Bulkrx ward" in page  # the oldest are the inpatients
    assert page.count('data-testid="allergy-line"') == 25
    assert "Allergies: Penicillins (severe: hives)" in page
    assert "No known allergies" in page and "Allergies not recorded" in page
    assert "10 tablets" in page and "9 of 10 left" in page
    end = last.content.decode()
    assert end.count('data-testid="queue-row"') == 25
    assert "1,976–2,000 of 2,000 waiting" in end
    assert "Brand 01999" in end  # the last one written is on the last page
    part = fragment.content.decode()
    assert "<html" not in part and "26–50 of 2,000 waiting" in part
    assert part.count('data-testid="queue-row"') == 25


@pytest.mark.django_db
def test_the_pharmacists_home_panel_counts_every_prescription_waiting(
    counter, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SUMMARY_QUERIES):
        panel = counter.get(reverse("pharmacy_summary")).content.decode()

    assert 'data-testid="queue-count"' in panel
    assert ">2,000<" in panel


@pytest.mark.django_db
def test_dispensing_one_of_them_costs_a_few_queries_beside_200000_ledger_rows(
    counter, django_assert_max_num_queries
):
    rx = Prescription.objects.filter(patient__first_name=MARK).order_by("created_at", "id")[0]
    url = reverse("dispense_new", args=[rx.pk])

    with django_assert_max_num_queries(DISPENSE_SCREEN_QUERIES):
        page = counter.get(url).content.decode()
    with django_assert_max_num_queries(DISPENSE_SCREEN_QUERIES):
        searched = counter.get(url, {"q": MARK.lower()}).content.decode()
    with django_assert_max_num_queries(DISPENSE_SCREEN_QUERIES):
        counter.get(
            url, {"item": rx.formulary_item_id, "quantity": "3"}, headers={"HX-Request": "true"}
        )

    # Its patient is on a ward; its shelf shows its one batch. "Item to give" offers the first 30
    # brands of the same medicine (the one written first) of the 50 held, and says there are more;
    # a search finds the others.
    assert "Inpatient · Bulkrx ward" in page
    assert 'data-testid="allergy-banner"' in page and "hives" in page
    assert "BRX00000" in page and ">500<" in page
    assert _offered(page) == 30 and 'data-testid="more-items"' in page
    assert _offered(searched) == 30 and 'data-testid="more-items"' in searched
    narrowed = counter.get(url, {"q": "brand 0004"}).content.decode()
    assert _offered(narrowed) == 11 and 'data-testid="more-items"' not in narrowed


def _offered(page: str) -> int:
    """The items the "Item to give" list offers."""
    return page.count("<option value=", page.index('name="item"'), page.index('name="quantity"'))
