"""The administrator's beds page of a ward: each bed's state since when, a bed taken out of service
and brought back, a double press acting once, a bed that changed meanwhile refused, other roles
refused with nothing changed."""

import re

import pytest
from django.urls import reverse

from hms.models import AuditEntry
from tests.factories import PatientFactory
from wards import services
from wards.models import BedStatus, BedStatusChange

pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def ward(staff):
    return services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=3
    )


def press(client, ward, bed, status, **extra):
    return client.post(
        reverse("ward_beds", args=[ward.pk]),
        {"bed": bed.pk, "status": status, **extra},
        follow=True,
    )


def rows(page: str) -> dict[str, str]:
    """Each bed's row: data-status by bed number."""
    return {
        number: status
        for status, number in re.findall(
            r'data-testid="ward-bed" data-bed="\d+" data-status="(\w+)">\s*<th scope="row">(\w+)</th>',
            page,
        )
    }


def test_the_wards_page_links_each_ward_to_its_beds(staff, ward, client_for):
    page = client_for(staff.admin).get(reverse("ward_list")).content.decode()
    assert f'href="{reverse("ward_beds", args=[ward.pk])}"' in page
    assert "3 beds" in page


def test_a_bed_goes_out_of_service_and_back_and_the_board_follows(staff, ward, client_for):
    admin = client_for(staff.admin)
    bed = ward.beds.order_by("number").first()

    page = press(admin, ward, bed, BedStatus.MAINTENANCE).content.decode()
    bed.refresh_from_db()
    assert bed.status == BedStatus.MAINTENANCE
    assert f"{bed} is now out of service." in page
    assert rows(page) == {"01": "maintenance", "02": "vacant", "03": "vacant"}
    assert "Back in service" in page
    board = client_for(staff.nurse).get(reverse("bed_board")).content.decode()
    assert f'data-bed="{bed.pk}" data-status="maintenance"' in board
    assert AuditEntry.objects.filter(action="bed.status", object_id=str(bed.pk)).count() == 1

    page = press(admin, ward, bed, BedStatus.VACANT).content.decode()
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT
    assert f"{bed} is now free." in page
    assert list(bed.status_changes.order_by("at", "pk").values_list("to_status", flat=True))[
        -2:
    ] == [BedStatus.MAINTENANCE, BedStatus.VACANT]


def test_a_double_press_takes_the_bed_out_once(staff, ward, client_for):
    admin = client_for(staff.admin)
    bed = ward.beds.order_by("number").first()
    changes = BedStatusChange.objects.filter(bed=bed).count()

    press(admin, ward, bed, BedStatus.MAINTENANCE)
    page = press(admin, ward, bed, BedStatus.MAINTENANCE).content.decode()

    assert f"{bed} is already out of service." in page
    assert BedStatusChange.objects.filter(bed=bed).count() == changes + 1
    assert AuditEntry.objects.filter(action="bed.status", object_id=str(bed.pk)).count() == 1


def test_an_occupied_bed_offers_nothing_and_cannot_be_taken_out(staff, ward, client_for):
    bed = ward.beds.order_by("number").first()
    services.admission_create(
        actor=staff.nurse,
        patient=PatientFactory(),
        attending_doctor=staff.doctor,
        bed=bed,
        reason="Pneumonia",
    )
    admin = client_for(staff.admin)
    page = admin.get(reverse("ward_beds", args=[ward.pk])).content.decode()
    occupied_row = page.split(f'data-bed="{bed.pk}"')[1].split("</tr>")[0]
    assert "bed-move" not in occupied_row

    page = press(admin, ward, bed, BedStatus.MAINTENANCE).content.decode()
    bed.refresh_from_db()
    assert bed.status == BedStatus.OCCUPIED
    assert "cannot become maintenance from there" in page


def test_a_bed_of_another_ward_or_a_made_up_value_changes_nothing(staff, ward, client_for):
    other = services.ward_create(
        actor=staff.admin, name="Private B", kind="private", charge_code="WARD-GEN", beds=1
    )
    stranger = other.beds.get()
    admin = client_for(staff.admin)
    for bed, status in ((stranger, "maintenance"), (ward.beds.first(), "on-fire")):
        response = press(admin, ward, bed, status)
        assert response.status_code == 200
        assert "Choose a bed of this ward" in response.content.decode()
    response = admin.post(reverse("ward_beds", args=[ward.pk]), {"bed": "9" * 30}, follow=True)
    assert response.status_code == 200
    stranger.refresh_from_db()
    assert stranger.status == BedStatus.VACANT
    assert set(ward.beds.values_list("status", flat=True)) == {BedStatus.VACANT}


@pytest.mark.parametrize("role", ["nurse", "receptionist", "doctor", "accountant"])
def test_other_roles_get_403_and_nothing_changes(staff, ward, client_for, role):
    bed = ward.beds.order_by("number").first()
    client = client_for(getattr(staff, role))
    assert client.get(reverse("ward_beds", args=[ward.pk])).status_code == 403
    response = client.post(
        reverse("ward_beds", args=[ward.pk]), {"bed": bed.pk, "status": "maintenance"}
    )
    assert response.status_code == 403
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT


def test_the_second_of_two_presses_arriving_together_says_the_bed_is_already_there(staff, ward):
    """Two tabs, or a resent request, both past the page's check: the service, under the bed's
    lock, finds it done and says so; one change, one audit row."""
    bed = ward.beds.order_by("number").first()
    services.bed_set_status(actor=staff.admin, bed=bed, status=BedStatus.MAINTENANCE)

    with pytest.raises(services.WardError, match="is already out of service"):
        services.bed_set_status(actor=staff.admin, bed=bed, status=BedStatus.MAINTENANCE)

    assert AuditEntry.objects.filter(action="bed.status", object_id=str(bed.pk)).count() == 1
