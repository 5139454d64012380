"""On a ward tablet, a doctor prescribes amoxicillin to a patient with a recorded penicillin
allergy: the line is stopped with the allergy named, is added only with a reason (shown on the
consultation and printed on the prescription), and a cephalosporin then warns of
cross-reactivity until the doctor says the warning was read. The notes typed meanwhile stay."""

import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clinical import services
from clinical.models import AllergenClass, AllergySeverity, Prescription
from hms import rbac
from hms.models import AuditEntry
from tests.e2e.conftest import login, snapshot
from tests.e2e.test_tablet_and_phone import tablet  # noqa: F401
from tests.factories import PASSWORD, EncounterFactory, FormularyItemFactory, UserFactory

NOTE = "Sore throat and fever for two days; tonsils enlarged with exudate."


def _pick(page, typed: str, name: str, *, allergy: str = "") -> None:
    page.get_by_test_id("drug-search").press_sequentially(typed, delay=30)
    choice = page.get_by_test_id("pick-item").filter(has_text=name)
    if allergy:  # marked in the list before the doctor picks it
        expect(choice.get_by_test_id("pick-allergy")).to_have_text(f"Allergy: {allergy}")
    else:
        expect(choice.get_by_test_id("pick-allergy")).to_have_count(0)
    choice.click()
    expect(page.get_by_test_id("picked-item")).to_be_visible()


def _add(page) -> None:
    """Press "Add to prescription" and wait for the prescriptions card to be drawn again."""
    page.get_by_test_id("prescriptions-card").evaluate("card => card.dataset.old = '1'")
    page.get_by_test_id("add-prescription").click()
    expect(page.locator("[data-testid=prescriptions-card][data-old]")).to_have_count(0)
    expect(page.get_by_test_id("prescriptions-card")).to_have_count(1)


def _line(page, dose: str) -> None:
    page.locator("[name=dose]").fill(dose)
    page.locator("[name=frequency]").fill("TDS")
    page.locator("[name=duration]").fill("5 days")


@pytest.mark.browser
def test_an_allergy_stops_the_line_until_a_reason_is_given_and_cross_reactivity_warns(
    transactional_db,
    tablet,  # noqa: F811
    live_server_url,
):
    doctor = UserFactory(role=rbac.DOCTOR)
    nurse = UserFactory(role=rbac.NURSE)
    encounter = EncounterFactory(doctor=doctor)
    services.allergy_record(
        actor=nurse,
        patient=encounter.patient,
        allergen_class=AllergenClass.PENICILLINS,
        reaction="hives",
        severity=AllergySeverity.SEVERE,
    )
    FormularyItemFactory(
        generic_name="Amoxicillin",
        form="capsule",
        strength="500 mg",
        dispensing_unit="capsule",
        allergen_classes=["penicillins"],
        max_daily_dose_mg=Decimal("3000"),
    )
    FormularyItemFactory(
        generic_name="Cefalexin",
        form="capsule",
        strength="250 mg",
        dispensing_unit="capsule",
        allergen_classes=["cephalosporins"],
    )
    page = tablet
    login(page, live_server_url, doctor.username, PASSWORD)
    page.goto(f"{live_server_url}/appointments/consultations/{encounter.pk}/")
    page.evaluate("window.__notReloaded = true")
    page.locator("#id_complaints").fill(NOTE)

    # --- amoxicillin is stopped, the allergy named -------------------------------------------
    _pick(page, "amox", "Amoxicillin", allergy="Penicillins")
    _line(page, "1 capsule")
    _add(page)
    block = page.get_by_test_id("allergy-block")
    expect(block).to_contain_text("Penicillins")
    expect(page.get_by_test_id("prescription")).to_have_count(0)
    expect(page.locator("[name=dose]")).to_have_value("1 capsule")
    snapshot(page, "tablet-1024-allergy-stop")

    # Sent again without a reason: still stopped, nothing added.
    _add(page)
    expect(page.get_by_test_id("allergy-block")).to_be_visible()
    assert not Prescription.objects.filter(encounter=encounter).exists()

    page.get_by_test_id("override-reason").locator("textarea").fill(
        "Tolerated amoxicillin in 2025 under observation"
    )
    _add(page)
    line = page.get_by_test_id("prescription").filter(has_text="Amoxicillin")
    expect(line.get_by_test_id("override-shown")).to_contain_text(
        "Prescribed despite an allergy: Tolerated amoxicillin in 2025 under observation"
    )
    expect(page.get_by_test_id("allergy-block")).to_have_count(0)
    rx = Prescription.objects.get(encounter=encounter)
    assert rx.allergy_override_reason == "Tolerated amoxicillin in 2025 under observation"
    override = AuditEntry.objects.get(action="prescription.allergy_override", object_id=rx.pk)
    assert override.after["reason"] == "Tolerated amoxicillin in 2025 under observation"

    # --- cefalexin warns of cross-reactivity until the warning is read ----------------------
    _pick(page, "cefal", "Cefalexin")
    _line(page, "2 capsules")
    _add(page)
    warning = page.get_by_test_id("prescribing-warning")
    expect(warning).to_contain_text("Penicillins")
    expect(page.get_by_test_id("prescription")).to_have_count(1)
    snapshot(page, "tablet-1024-cross-reactivity-warning")
    page.get_by_test_id("warnings-read").get_by_role("checkbox").check()
    _add(page)
    expect(page.get_by_test_id("prescription")).to_have_count(2)

    # The page was never drawn again: the note is as typed.
    assert page.evaluate("window.__notReloaded === true"), "the consultation was reloaded"
    expect(page.locator("#id_complaints")).to_have_value(NOTE)

    # --- the printed prescription carries the reason -----------------------------------------
    pdf = page.request.get(
        f"{live_server_url}/appointments/consultations/{encounter.pk}/prescriptions.pdf"
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    printed = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True
    ).stdout.decode()
    printed = " ".join(printed.split())
    assert "Tolerated amoxicillin in 2025 under observation" in printed
    assert "Penicillins" in printed
