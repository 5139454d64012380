"""A role the leave screens let in but whose work a step is not gets 403 and nothing changes.

The administrator passes every check, so the self-service screens open for them, but the
administrator account takes no leave (rbac.offers: the matrix gives admin no row for it; their own
leave is asked from their staff account, or nobody else could decide it). The service refuses the
role itself: 403, no request, no balance charged, nobody notified, nothing audited but the refusal.
The administrator's own steps (deciding, leave types, closure days, the roster) refuse every other
role in the services too, whoever calls them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hms.models import AuditEntry
from hr import services
from hr.models import ClosureDay, LeaveCharge, LeaveRequest, LeaveStatus, LeaveType, Shift
from messaging.models import Notification
from tests.conftest import audit_rows_besides_refusals

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 16)

pytestmark = pytest.mark.usefixtures("leave_types")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 16, 9, tzinfo=NAIROBI), tick=False):
        yield


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_administrator_account_applying_for_leave_gets_403_and_nothing_changes(
    staff, client_for, htmx
):
    client = client_for(staff.admin)  # signing in is audited: before counting
    audit_rows, notifications = audit_rows_besides_refusals(), Notification.objects.count()
    annual = LeaveType.objects.get(code="annual")

    response = client.post(
        reverse("leave_apply"),
        {
            "leave_type": annual.pk,
            "start_date": f"{MONDAY + timedelta(days=7):%d/%m/%Y}",
            "end_date": f"{MONDAY + timedelta(days=8):%d/%m/%Y}",
            "reason": "Conference",
        },
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert response.status_code == 403
    assert not LeaveRequest.objects.exists() and not LeaveCharge.objects.exists()
    assert Notification.objects.count() == notifications
    assert audit_rows_besides_refusals() == audit_rows
    assert AuditEntry.objects.filter(action="access.denied", actor=staff.admin).exists()


def test_the_administrator_still_opens_the_leave_form(staff, client_for):
    """Admin passes the screen's check (a look at what staff see); only sending is refused."""
    assert client_for(staff.admin).get(reverse("leave_apply")).status_code == 200


def test_the_leave_service_refuses_the_administrator_account_with_the_reason(staff):
    with pytest.raises(PermissionDenied, match="does not take leave: ask from your own staff"):
        services.leave_apply(
            actor=staff.admin,
            leave_type=LeaveType.objects.get(code="annual"),
            start_date=MONDAY + timedelta(days=7),
            end_date=MONDAY + timedelta(days=8),
        )
    with pytest.raises(PermissionDenied, match="Your role does not apply for leave here"):
        services.leave_apply(
            actor=staff.patient_user,
            leave_type=LeaveType.objects.get(code="annual"),
            start_date=MONDAY + timedelta(days=7),
            end_date=MONDAY + timedelta(days=8),
        )

    assert not LeaveRequest.objects.exists()


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "accountant"])
def test_the_administrators_steps_refuse_other_roles_with_permission_denied(staff, role):
    actor = getattr(staff, role)
    pending = services.leave_apply(
        actor=staff.engineer,
        leave_type=LeaveType.objects.get(code="annual"),
        start_date=MONDAY + timedelta(days=7),
        end_date=MONDAY + timedelta(days=8),
    )
    closure = services.closure_day_add(
        actor=staff.admin, day=MONDAY + timedelta(days=30), name="Staff day"
    )
    annual = LeaveType.objects.get(code="annual")
    audit_rows = audit_rows_besides_refusals()

    with pytest.raises(PermissionDenied, match="Only the administrator decides leave"):
        services.leave_approve(actor=actor, leave_request=pending)
    with pytest.raises(PermissionDenied, match="Only the administrator decides leave"):
        services.leave_reject(actor=actor, leave_request=pending, comment="No")
    with pytest.raises(PermissionDenied, match="Only the administrator changes leave types"):
        services.leave_type_update(
            actor=actor, leave_type=annual, values={"name": "Holiday"}, entitlements={}
        )
    with pytest.raises(PermissionDenied, match="Only the administrator adds closure days"):
        services.closure_day_add(actor=actor, day=MONDAY + timedelta(days=31), name="Another")
    with pytest.raises(PermissionDenied, match="Only the administrator removes closure days"):
        services.closure_day_remove(actor=actor, closure=closure)
    with pytest.raises(PermissionDenied, match="Only the administrator runs the roster"):
        services.shift_save(actor=actor, name="Long day", starts_at=time(7), ends_at=time(19))

    pending.refresh_from_db()
    annual.refresh_from_db()
    assert pending.status == LeaveStatus.PENDING
    assert annual.name != "Holiday"
    assert ClosureDay.objects.get() == closure
    assert not Shift.objects.filter(name="Long day").exists()
    assert audit_rows_besides_refusals() == audit_rows


def test_the_administrator_is_told_to_ask_from_their_staff_account_not_offered_a_form(
    staff, client_for
):
    """Not offered what would be refused: no "Apply for leave" button and no form, the reason
    said instead; a nurse still has both."""
    admin = client_for(staff.admin)
    for name in ("my_leave", "leave_apply"):
        page = admin.get(reverse(name)).content.decode()
        assert 'data-testid="no-own-leave"' in page and "your own staff account" in page
        assert 'data-testid="apply-for-leave"' not in page
        assert 'data-testid="leave-form"' not in page

    nurse = client_for(staff.nurse)
    assert 'data-testid="apply-for-leave"' in nurse.get(reverse("my_leave")).content.decode()
    apply_page = nurse.get(reverse("leave_apply")).content.decode()
    assert 'data-testid="leave-form"' in apply_page and "no-own-leave" not in apply_page
