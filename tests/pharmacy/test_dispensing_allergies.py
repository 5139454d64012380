"""The dispensing counter shows the patient's coded allergies as the consultation's banner does:
the allergen class with its severity and reaction, "No known allergies" when asked and none, or
"Allergies not recorded"; reception's registration note beside them. On the queue, one line a
row; on the dispense screen and the patient's dispensing history, the banner."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clinical import services as clinical
from clinical.models import AllergenClass, AllergySeverity
from tests.factories import PatientFactory, UserFactory
from tests.pharmacy.rx import prescribed, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(client_for):
    return client_for(UserFactory(role="pharmacist"))


@pytest.fixture
def patients():
    """Achieng allergic to sulfonamides (and a note from registration), Baraka with none known,
    Chebet never asked; each with a prescription waiting."""
    item, _ = stocked()
    achieng = PatientFactory(first_name="Achieng", allergies="Septrin as a child")
    clinical.allergy_record(
        actor=UserFactory(role="nurse"),
        patient=achieng,
        allergen_class=AllergenClass.SULFONAMIDES,
        reaction="rash",
        severity=AllergySeverity.MODERATE,
    )
    baraka = PatientFactory(first_name="Baraka", no_known_allergies_at=timezone.now())
    chebet = PatientFactory(first_name="Chebet")
    return {p.first_name: prescribed(item, patient=p) for p in (achieng, baraka, chebet)}


def _row(html: str, name: str) -> str:
    start = html.rindex('data-testid="queue-row"', 0, html.index(name))
    return html[start : html.index("</a>", start)]


def test_each_queue_row_says_the_patients_allergies_none_known_or_not_recorded(counter, patients):
    html = counter.get(reverse("dispense_queue")).content.decode()

    assert (
        "Allergies: Sulfonamides (sulfa drugs) (moderate: rash); noted at registration: Septrin"
        in _row(html, "Achieng")
    )
    assert "No known allergies" in _row(html, "Baraka")
    assert "Allergies not recorded" in _row(html, "Chebet")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Achieng", ["Sulfonamides", "(moderate: rash)", "Noted at registration: Septrin"]),
        ("Baraka", ["No known allergies"]),
        ("Chebet", ["Allergies not recorded"]),
    ],
)
def test_the_dispense_screen_and_history_show_the_allergy_banner(counter, patients, name, words):
    rx = patients[name]

    screen = counter.get(reverse("dispense_new", args=[rx.pk])).content.decode()
    history = counter.get(reverse("patient_dispenses", args=[rx.patient_id])).content.decode()

    for page in (screen, history):
        start = page.index('data-testid="allergy-banner"')
        banner = page[start : start + 1500]
        assert all(word in banner for word in words)


@pytest.mark.parametrize(("name", "reads"), [("Achieng", 1), ("Baraka", 0), ("Chebet", 0)])
def test_the_dispense_screen_reads_the_allergies_only_of_a_patient_who_has_some(
    counter, patients, name, reads
):
    """The prescription's query says whether the patient has an allergy on record: the banner
    reads the list only then (a removed allergy is none: Achieng's, removed, is not read)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("dispense_new", args=[patients[name].pk])
    with CaptureQueriesContext(connection) as queries:
        counter.get(url)
    allergy_reads = [q for q in queries if q["sql"].startswith('SELECT "clinical_allergy"')]
    assert len(allergy_reads) == reads

    if name == "Achieng":
        from clinical.models import Allergy

        Allergy.objects.filter(patient_id=patients[name].patient_id).update(
            removed_at=timezone.now()
        )
        with CaptureQueriesContext(connection) as queries:
            screen = counter.get(url).content.decode()
        assert not [q for q in queries if q["sql"].startswith('SELECT "clinical_allergy"')]
        assert "Sulfonamides" not in screen[screen.index('data-testid="allergy-banner"') :][:1500]
