"""A role the ward's screens let in but whose work a step is not gets 403 and nothing changes.

The bed board's button (`bed_status`) is for everyone who admits (wards.admit: the desk, nurses,
the administrator), but taking a bed out of service and back is the administrator's alone
(beds.maintenance): the service refuses the role itself, so the answer is the 403 page (a toast
for htmx), never the board again with a message, and the bed, its history and the audit log are
as they were.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hms.models import AuditEntry
from tests.conftest import audit_rows_besides_refusals
from tests.factories import BedFactory
from wards import services
from wards.models import Bed, BedStatus, BedStatusChange, Ward

pytestmark = pytest.mark.django_db

MAINTENANCE_MOVES = [
    (BedStatus.VACANT, BedStatus.MAINTENANCE),
    (BedStatus.CLEANING, BedStatus.MAINTENANCE),
    (BedStatus.MAINTENANCE, BedStatus.VACANT),
]


def _bed(status: str) -> Bed:
    bed = BedFactory()
    Bed.objects.filter(pk=bed.pk).update(status=status)
    bed.refresh_from_db()
    return bed


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("from_status", "to_status"), MAINTENANCE_MOVES)
@pytest.mark.parametrize("role", ["nurse", "receptionist"])
def test_the_desk_and_nurses_may_not_move_a_bed_in_or_out_of_maintenance(
    staff, client_for, role, from_status, to_status, htmx
):
    bed = _bed(from_status)
    client = client_for(getattr(staff, role))  # signing in is audited: before counting
    audit_rows, history = audit_rows_besides_refusals(), BedStatusChange.objects.count()
    headers = {"HX-Request": "true", "HX-Target": "bed-board"} if htmx else {}

    response = client.post(
        reverse("bed_status", args=[bed.pk]), {"status": to_status}, headers=headers
    )

    assert response.status_code == 403
    assert "Your role cannot make that change" not in response.content.decode()
    bed.refresh_from_db()
    assert bed.status == from_status
    assert BedStatusChange.objects.count() == history
    assert audit_rows_besides_refusals() == audit_rows
    assert AuditEntry.objects.filter(action="access.denied", actor=getattr(staff, role)).exists()


@pytest.mark.parametrize(("from_status", "to_status"), MAINTENANCE_MOVES)
def test_the_administrator_moves_a_bed_in_and_out_of_maintenance_from_the_board(
    staff, client_for, from_status, to_status
):
    bed = _bed(from_status)

    response = client_for(staff.admin).post(
        reverse("bed_status", args=[bed.pk]), {"status": to_status}
    )

    assert response.status_code == 302
    bed.refresh_from_db()
    assert bed.status == to_status
    assert AuditEntry.objects.filter(action="bed.status", object_id=str(bed.pk)).exists()


@pytest.mark.parametrize("role", ["nurse", "receptionist"])
def test_the_desk_and_nurses_still_mark_a_cleaned_bed_vacant(staff, client_for, role):
    bed = _bed(BedStatus.CLEANING)

    response = client_for(getattr(staff, role)).post(
        reverse("bed_status", args=[bed.pk]), {"status": BedStatus.VACANT}
    )

    assert response.status_code == 302
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT


def test_a_move_the_bed_cannot_make_is_still_said_on_the_board_whoever_asks(staff, client_for):
    """About the bed, not the role: an occupied bed cannot go to maintenance from the board."""
    bed = _bed(BedStatus.OCCUPIED)

    response = client_for(staff.receptionist).post(
        reverse("bed_status", args=[bed.pk]), {"status": BedStatus.MAINTENANCE}
    )

    assert response.status_code == 200
    assert "cannot become maintenance from there" in response.content.decode()
    bed.refresh_from_db()
    assert bed.status == BedStatus.OCCUPIED


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "accountant"])
def test_the_ward_services_refuse_a_role_with_permission_denied(staff, role):
    """The services check their own capability: whoever calls them, not only the screens."""
    actor = getattr(staff, role)
    bed = _bed(BedStatus.VACANT)
    beds, audit_rows = bed.ward.beds.count(), audit_rows_besides_refusals()

    with pytest.raises(PermissionDenied, match="Only an administrator opens wards"):
        services.ward_add_bed(actor=actor, ward=bed.ward)
    with pytest.raises(PermissionDenied, match="Only an administrator opens wards"):
        services.ward_create(actor=actor, name="New", kind="general", charge_code="X", beds=1)
    with pytest.raises(PermissionDenied):
        services.bed_set_status(actor=actor, bed=bed, status=BedStatus.MAINTENANCE)

    assert bed.ward.beds.count() == beds
    assert not Ward.objects.filter(name="New").exists()
    bed.refresh_from_db()
    assert bed.status == BedStatus.VACANT
    assert audit_rows_besides_refusals() == audit_rows
