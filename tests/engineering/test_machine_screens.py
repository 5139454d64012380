"""The register's screens: adding and editing machines, a machine's page for every member of staff,
finding one by its tag, its QR label, status changes; refusals beside their field, values kept."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from engineering.models import Machine
from tests.engineering.conftest import register

FORM = {
    "name": "Ventilator bay 3",
    "asset_tag": "ICU-VENT-03",
    "machine_type": "ventilator",
    "criticality": "life_support",
    "status": "operational",
    "manufacturer": "Dräger",
    "installed_date": "01/03/2024",
    "warranty_end_date": "01/03/2027",
    "pm_interval_days": "90",
}


def test_an_engineer_adds_a_machine_and_lands_on_its_page(staff, client_for):
    response = client_for(staff.engineer).post(reverse("machine_new"), FORM)

    machine = Machine.objects.get(asset_tag="ICU-VENT-03")
    assert response.status_code == 302 and response["Location"] == machine.get_absolute_url()
    assert machine.criticality == "life_support" and machine.pm_interval_days == 90


def test_a_taken_tag_is_refused_beside_the_tag_and_every_value_is_kept(staff, client_for, machine):
    response = client_for(staff.engineer).post(
        reverse("machine_new"), FORM | {"asset_tag": "eng-0001"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_asset_tag"' in page and "already the tag of X-ray unit" in page
    assert 'value="Ventilator bay 3"' in page and 'value="Dräger"' in page
    assert Machine.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pm_interval_days", "1e3", "Enter a whole number"),
        ("installed_date", "29/02/2025", "day/month/year"),
        ("asset_tag", "ICU VENT", "letters, digits"),
    ],
)
def test_a_bad_value_shows_beside_its_field(staff, client_for, field, value, message):
    response = client_for(staff.engineer).post(reverse("machine_new"), FORM | {field: value})

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="error_1_id_{field}"' in page and message in page
    assert 'value="Ventilator bay 3"' in page
    assert not Machine.objects.exists()


def test_the_same_form_sent_twice_adds_one_machine(staff, client_for):
    engineer = client_for(staff.engineer)
    form = FORM | {"submission": str(uuid.uuid4())}

    first = engineer.post(reverse("machine_new"), form)
    second = engineer.post(reverse("machine_new"), form, follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert Machine.objects.count() == 1
    assert "arrived twice; it was done once" in second.content.decode()


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "lab_technician"])
def test_other_staff_may_not_keep_the_register(staff, client_for, machine, role):
    client = client_for(getattr(staff, role))

    assert client.get(reverse("machine_list")).status_code == 403
    assert client.post(reverse("machine_new"), FORM).status_code == 403
    assert (
        client.post(
            reverse("machine_status", args=[machine.pk]),
            {"to_status": "out_of_order", "reason": "x"},
        ).status_code
        == 403
    )
    assert not Machine.objects.filter(asset_tag="ICU-VENT-03").exists()


def test_every_member_of_staff_may_look_a_machine_up_by_its_tag(staff, client_for, machine):
    nurse = client_for(staff.nurse)

    found = nurse.get(reverse("machine_find"), {"q": "eng-0001"})
    scanned = nurse.get(reverse("machine_by_tag", args=["ENG-0001"]))
    page = nurse.get(machine.get_absolute_url())

    assert found["Location"] == scanned["Location"] == machine.get_absolute_url()
    assert page.status_code == 200 and "X-ray unit" in page.content.decode()
    assert 'data-testid="status-form"' not in page.content.decode()  # engineers change it


def test_an_unknown_tag_says_so_beside_the_box(staff, client_for):
    response = client_for(staff.nurse).get(reverse("machine_find"), {"q": "NOPE-1"})

    assert response.status_code == 200
    assert "No machine has the tag “NOPE-1”" in response.content.decode()


def test_part_of_a_name_or_tag_lists_the_machines_that_have_it(staff, client_for, machine):
    register(staff.engineer, tag="WARD-PUMP-1", name="Infusion pump, ward 1")
    register(staff.engineer, tag="WARD-PUMP-2", name="Infusion pump, ward 2")
    nurse = client_for(staff.nurse)

    by_name = nurse.get(reverse("machine_find"), {"q": "infusion"})
    by_tag = nurse.get(reverse("machine_find"), {"q": "pump"})

    for response in (by_name, by_tag):
        page = response.content.decode()
        assert response.status_code == 200 and page.count('data-testid="machine-match"') == 2
        assert "WARD-PUMP-1" in page and "X-ray unit" not in page
        assert 'data-testid="tag-not-found"' not in page


def test_the_label_carries_the_tag_and_a_qr_code_of_the_machines_address(
    staff, client_for, machine
):
    response = client_for(staff.engineer).get(reverse("machine_label", args=[machine.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "ENG-0001" in page and "<svg" in page
    assert response.context["url"] == "http://testserver/engineering/m/ENG-0001/"


def test_a_refused_status_change_shows_beside_its_field_with_the_reason_kept(
    staff, client_for, machine
):
    response = client_for(staff.engineer).post(
        reverse("machine_status", args=[machine.pk]),
        {"to_status": "out_of_order", "reason": "Tube failed", "effective_at": "2001-01-01T08:00"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_effective_at"' in page and "cannot go back before that" in page
    assert "Tube failed" in page
    assert machine.status_changes.count() == 1


def test_an_engineer_changes_the_status_from_the_machines_page(staff, client_for, machine):
    response = client_for(staff.engineer).post(
        reverse("machine_status", args=[machine.pk]),
        {"to_status": "maintenance", "reason": "Calibration"},
        follow=True,
    )

    machine.refresh_from_db()
    assert machine.status == "maintenance"
    assert "Calibration" in response.content.decode()


def test_the_register_pages_and_filters_in_a_constant_number_of_queries(
    staff, client_for, django_assert_max_num_queries
):
    for n in range(120):
        register(staff.engineer, tag=f"MON-{n:03d}", name=f"Monitor {n}", machine_type="monitor")
    engineer = client_for(staff.engineer)

    with django_assert_max_num_queries(12):
        response = engineer.get(reverse("machine_list"), {"type": "monitor", "page": "2"})

    assert response.status_code == 200
    assert "51–100 of 120" in response.content.decode()
    assert len(response.context["machines"]) == 50


def test_the_register_searches_by_tag_or_name(staff, client_for, machine):
    register(staff.engineer, tag="ICU-MON-1", name="Bedside monitor", machine_type="monitor")
    engineer = client_for(staff.engineer)

    by_tag = engineer.get(reverse("machine_list"), {"q": "icu-mon"})
    by_name = engineer.get(reverse("machine_list"), {"q": "x-ray"})

    assert [m.asset_tag for m in by_tag.context["machines"]] == ["ICU-MON-1"]
    assert [m.asset_tag for m in by_name.context["machines"]] == ["ENG-0001"]


def test_a_correction_is_typed_day_first_in_the_hospitals_time(staff, client_for, machine):
    later = timezone.localtime() + timedelta(hours=2)
    typed = (later - timedelta(hours=1)).strftime("%d/%m/%Y %H:%M")

    with time_machine.travel(later, tick=False):
        client_for(staff.engineer).post(
            reverse("machine_status", args=[machine.pk]),
            {
                "to_status": "out_of_order",
                "reason": "Stopped before the report",
                "effective_at": typed,
            },
        )

    entry = machine.status_changes.get(correction=True)
    assert timezone.localtime(entry.effective_at).strftime("%d/%m/%Y %H:%M") == typed


def test_the_lab_worklist_offers_to_report_a_machine_fault(staff, client_for):
    page = client_for(staff.lab_technician).get(reverse("lab_worklist")).content.decode()

    assert f'href="{reverse("machine_find")}"' in page and "Report a machine fault" in page
