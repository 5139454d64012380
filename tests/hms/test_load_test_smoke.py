"""The load test's own pieces (tests/bench/load/), cheaply: its locustfile loads with the mix of
200 users, and the way it reads a page's forms posts what a browser posts: a registration, a
doctor's prescription line (with its warnings confirmed) and the pharmacist's dispense, each
done for real (the real 5-minute run is tests/bench/load_test.py, never in CI)."""

import json
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from clinical.models import Patient, Prescription
from hms import rbac
from pharmacy.dispensing_selectors import waiting
from pharmacy.models import Dispense, MovementKind, StockMovement
from tests.factories import EncounterFactory, FormularyItemFactory
from tests.pharmacy.rx import prescribed, stocked

LOAD = Path(__file__).resolve().parents[1] / "bench" / "load"
sys.path.insert(0, str(LOAD))
import htmlforms  # noqa: E402


def test_the_locustfile_loads_with_every_role_in_the_mix(tmp_path):
    prepared = tmp_path / "prepared.json"
    prepared.write_text(
        json.dumps({"users": {"doctor": []}, "threads": [], "patients": [], "today": "2026-12-01"})
    )
    code = (
        "import locustfile; "
        "print(sum(c.fixed_count for c in (locustfile.Reception, locustfile.Doctor, "
        "locustfile.Nurse, locustfile.Lab, locustfile.Pharmacy, locustfile.Billing, "
        "locustfile.Chat, locustfile.Yardstick)))"
    )

    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=LOAD,
        env={"LOAD_PREPARED": str(prepared), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "200"


def test_a_form_read_from_its_page_registers_the_patient(make_user, client_for):
    client = client_for(make_user(rbac.RECEPTIONIST))
    path = reverse("patient_register")
    form = htmlforms.form(client.get(path).content.decode(), "")

    response = client.post(
        path,
        dict(
            form.values(
                first_name="Loadtest",
                last_name="Formreader",
                date_of_birth="04/12/1988",
                sex="F",
                phone="0712345678",
                not_a_duplicate="on",
            )
        ),
    )

    assert response.status_code == 302
    assert Patient.objects.filter(first_name="Loadtest", last_name="Formreader").exists()
    assert {"csrfmiddlewaretoken", "submission"} <= {name for name, _ in form.fields}


def test_the_pharmacist_dispenses_as_the_load_does_with_the_form_read_from_its_page(
    make_user, client_for
):
    pharmacist = make_user(rbac.PHARMACIST)
    item, (later, sooner) = stocked(units=(30, 10), days=(400, 90), actor=pharmacist)
    rx = prescribed(item, 15)
    client = client_for(pharmacist)
    queue = client.get(reverse("dispense_queue")).content.decode()
    [path] = htmlforms.links(queue, r"/pharmacy/dispensing/prescriptions/\d+/")
    page = client.get(path).content.decode()
    form = next(f for f in htmlforms.forms(page) if f.method == "post" and f.action == path)

    response = client.post(path, dict(form.values()))

    record = Dispense.objects.get(prescription=rx)
    assert response.status_code == 302
    assert response["Location"] == reverse("dispense_detail", args=[record.pk])
    assert record.quantity == 15
    rx.refresh_from_db()
    assert rx.dispensed_quantity == 15
    taken = dict(
        StockMovement.objects.filter(dispense=record, kind=MovementKind.DISPENSE).values_list(
            "batch", "quantity"
        )
    )
    assert taken == {sooner.pk: -10, later.pk: -5}  # first expiry first out


def _prescribing(make_user, client_for):
    doctor = make_user(rbac.DOCTOR)
    encounter = EncounterFactory(doctor=doctor)
    item, _ = stocked(
        FormularyItemFactory(
            generic_name="Amoxicillin", form="capsule", strength="500 mg", dispensing_unit="capsule"
        ),
        units=(200,),
    )
    return client_for(doctor), encounter, item


def _prescribe_as_the_load(client, encounter, typed: str, **line):
    """The load's doctor (locustfile Doctor.prescribe): the form read from the consultation, the
    formulary search, a tap on an item in stock, the line posted by htmx."""
    action = reverse("prescription_add", args=[encounter.pk])
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    form = htmlforms.form(page, action)
    patient = dict(form.fields)["pick_patient"]
    found = client.get(
        reverse("formulary_pick"), {"drug": typed, "pick_patient": patient}, HTTP_HX_REQUEST="true"
    ).content.decode()
    [pick] = [p for p in htmlforms.picks(found) if p["in_stock"] and not p["allergy"]]
    values = form.values(
        formulary_item=pick["item"], drug=pick["drug"], strength=pick["strength"], **line
    )
    return client.post(action, dict(values), HTTP_HX_REQUEST="true").content.decode(), action


LINE = {
    "dose": "1 capsule",
    "route": "oral",
    "frequency": "three times a day",
    "duration": "5 days",
}


def test_the_doctor_prescribes_as_the_load_does_and_the_line_waits_at_the_counter(
    make_user, client_for
):
    client, encounter, item = _prescribing(make_user, client_for)

    answer, _ = _prescribe_as_the_load(client, encounter, "amox", **LINE)

    assert 'data-testid="prescription-said"' in answer
    rx = Prescription.objects.get(encounter=encounter)
    assert (rx.formulary_item, rx.quantity) == (item, 15)
    assert list(waiting()) == [rx]


def test_a_warning_is_read_and_confirmed_as_the_load_confirms_it(make_user, client_for):
    client, encounter, item = _prescribing(make_user, client_for)
    _prescribe_as_the_load(client, encounter, "amox", **LINE)
    stopped, action = _prescribe_as_the_load(client, encounter, "amox", **LINE)
    again = htmlforms.form(stopped, action)

    answer = client.post(
        action, dict(again.values(warnings_read="on")), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert 'data-testid="prescribing-checks"' in stopped and 'name="warning_codes"' in stopped
    assert 'data-testid="prescription-said"' in answer
    assert Prescription.objects.filter(encounter=encounter, formulary_item=item).count() == 2
