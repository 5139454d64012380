"""The load test's own pieces (tests/bench/load/), cheaply: its locustfile loads with the mix of
200 users, and the way it reads a page's forms posts what a browser posts (the real 5-minute run
is tests/bench/load_test.py, never in CI)."""

import json
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from clinical.models import Patient
from hms import rbac

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
