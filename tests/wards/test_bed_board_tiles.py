"""What each bed's tile on the board says and offers, by the bed's state and who looks: the
patient and their stay, "Admit here", "Mark clean" (a real form), nothing for a role that may not."""

import re

import pytest
from django.urls import reverse

from tests.factories import PatientFactory
from wards import services
from wards.models import BedStatus

pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def ward(staff):
    return services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=3
    )


def tile(page: str, bed) -> str:
    found = re.search(
        rf'<div class="bed-tile[^"]*" data-testid="bed" data-bed="{bed.pk}".*?</div>(?=<div class="bed-tile|\s*</div>\s*</section>)',
        page,
        re.S,
    )
    assert found, f"no tile for {bed}"
    return found.group(0)


def test_each_tile_shows_its_bed_and_what_the_viewer_may_do(staff, ward, client_for):
    occupied, vacant, cleaning = ward.beds.order_by("number")
    patient = PatientFactory(first_name="Achieng", last_name="<O'Neill>")
    admission = services.admission_create(
        actor=staff.nurse,
        patient=patient,
        attending_doctor=staff.doctor,
        bed=occupied,
        reason="Asthma",
    )
    cleaning.status = BedStatus.CLEANING
    cleaning.save(update_fields=["status"])

    nurse = client_for(staff.nurse).get(reverse("bed_board")).content.decode()
    doctor = client_for(staff.doctor).get(reverse("bed_board")).content.decode()

    stay = tile(nurse, occupied)
    assert f'href="{reverse("admission_detail", args=[admission.pk])}"' in stay
    assert "Achieng &lt;O&#x27;Neill&gt;" in stay  # escaped, never markup
    assert f"Dr {staff.doctor.last_name}" in stay
    assert 'data-status="occupied"' in stay
    assert f'href="{reverse("admission_new")}?bed={vacant.pk}">Admit here</a>' in tile(
        nurse, vacant
    )
    clean = tile(nurse, cleaning)
    assert f'action="{reverse("bed_status", args=[cleaning.pk])}"' in clean
    assert 'name="csrfmiddlewaretoken"' in clean and 'name="submission"' in clean
    assert 'data-testid="mark-clean"' in clean
    # The doctor sees the board but neither admits nor cleans.
    assert "Achieng" in tile(doctor, occupied)
    assert "Admit here" not in tile(doctor, vacant)
    assert "mark-clean" not in tile(doctor, cleaning)


def test_a_discharge_ordered_stay_says_so_on_its_tile(staff, ward, client_for):
    bed = ward.beds.order_by("number").first()
    admission = services.admission_create(
        actor=staff.nurse,
        patient=PatientFactory(),
        attending_doctor=staff.doctor,
        bed=bed,
        reason="Asthma",
    )
    services.discharge_order(
        actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Asthma, controlled"}
    )

    page = client_for(staff.nurse).get(reverse("bed_board")).content.decode()

    assert "Discharge ordered" in tile(page, bed)


def test_the_stay_is_said_in_days_and_hours_or_hours_and_minutes():
    from datetime import UTC, datetime, timedelta

    from hms.durations import elapsed as stay_length

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    assert stay_length(now - timedelta(days=45, hours=3, minutes=10), now) == "45 days, 3 hours"
    assert stay_length(now - timedelta(days=1, minutes=59), now) == "1 day"
    assert stay_length(now - timedelta(hours=1, minutes=1), now) == "1 hour, 1 minute"
    assert stay_length(now - timedelta(hours=5), now) == "5 hours"
    assert stay_length(now - timedelta(seconds=30), now) == "under a minute"
    assert (
        stay_length(now + timedelta(minutes=5), now) == "under a minute"
    )  # a clock a little ahead


def test_a_bed_marked_clean_on_a_picked_ward_answers_with_that_ward_only(staff, ward, client_for):
    other = services.ward_create(
        actor=staff.admin, name="Maternity", kind="general", charge_code="WARD-GEN", beds=2
    )
    bed = ward.beds.order_by("number").first()
    bed.status = BedStatus.CLEANING
    bed.save(update_fields=["status"])
    client = client_for(staff.nurse)

    response = client.post(
        reverse("bed_status", args=[bed.pk]),
        {"status": BedStatus.VACANT},
        headers={
            "HX-Request": "true",
            "HX-Target": "bed-board",
            "HX-Current-URL": f"http://testserver{reverse('bed_board')}?ward={ward.pk}",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "General A" in page and other.name not in page
    assert f'data-bed="{bed.pk}"' in page
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT
