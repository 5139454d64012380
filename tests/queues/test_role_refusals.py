"""A role that sees the queues but does not do a service point's work gets 403 and nothing changes.

Every member of staff with queue.view opens a point's line, but only those who do its kind of work
call, call again, start, finish, mark not answered or send on its patients (queues.services
SERVED_WITH): a cashier at triage, a nurse at the lab. The service refuses the role itself, so the
answer is the 403 page (a toast for htmx), and the tickets and the audit log are as they were.
Another doctor's own room is about the room, not the role: that stays a message.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hms import rbac
from hms.models import AuditEntry
from queues import services
from queues.models import PointKind, QueueTicket, ServicePoint, TicketStatus
from tests.conftest import audit_rows_besides_refusals

# "Today" must have hours on both sides, whatever the hour CI runs at.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("midday")]

# Who sees the queues (queue.view) but does not work at a point of each kind, by prefix.
REFUSED = {
    "T": ["receptionist", "lab_technician", "pharmacist", "accountant"],
    "D": ["nurse", "receptionist", "lab_technician", "pharmacist", "accountant"],
    "L": ["doctor", "nurse", "receptionist", "pharmacist", "accountant"],
    "P": ["doctor", "nurse", "receptionist", "lab_technician", "accountant"],
    "B": ["doctor", "nurse", "lab_technician", "pharmacist"],
}
PAIRS = [(prefix, role) for prefix, roles in REFUSED.items() for role in roles]


def _tickets() -> list[dict]:
    return list(QueueTicket.objects.order_by("pk").values())


def test_the_table_is_every_role_that_sees_the_queues_but_does_not_work_at_the_point(points, staff):
    seeing = [
        role for role in rbac.ROLES if role != rbac.ADMIN and role in rbac.MATRIX["queue.view"]
    ]

    for prefix, point in points.items():
        refused = [role for role in seeing if not services.may_serve(getattr(staff, role), point)]
        assert refused == REFUSED[prefix], prefix


@pytest.mark.parametrize(("prefix", "role"), PAIRS)
def test_a_role_that_does_not_work_at_the_point_gets_403_and_nothing_changes(
    points, staff, client_for, prefix, role
):
    point = points[prefix]
    called = services.ticket_issue(actor=staff.receptionist, service_point=point)
    services.ticket_call_next(actor=staff.admin, service_point=point)
    services.ticket_issue(actor=staff.receptionist, service_point=point)  # waiting
    elsewhere = next(other for other in points.values() if other != point)
    client = client_for(getattr(staff, role))  # signing in is audited: before counting
    tickets, audit_rows = _tickets(), audit_rows_besides_refusals()

    answers = {
        name: client.post(reverse(name, args=[pk]), data).status_code
        for name, pk, data in [
            ("call_next", point.pk, {}),
            ("ticket_recall", called.pk, {}),
            ("ticket_serve", called.pk, {}),
            ("ticket_no_show", called.pk, {}),
            ("ticket_finish", called.pk, {}),
            ("ticket_transfer", called.pk, {"to_point": elsewhere.pk}),
        ]
    }
    htmx = client.post(
        reverse("call_next", args=[point.pk]), headers={"HX-Request": "true"}
    ).status_code

    assert answers == dict.fromkeys(answers, 403)
    assert htmx == 403
    assert _tickets() == tickets
    assert audit_rows_besides_refusals() == audit_rows
    assert AuditEntry.objects.filter(action="access.denied").count() == len(answers) + 1


@pytest.mark.parametrize(("prefix", "role"), PAIRS)
def test_the_queue_services_refuse_the_role_with_permission_denied(points, staff, prefix, role):
    """The services check their own capability: whoever calls them, not only the screens."""
    point = points[prefix]
    called = services.ticket_issue(actor=staff.receptionist, service_point=point)
    services.ticket_call_next(actor=staff.admin, service_point=point)
    actor = getattr(staff, role)
    tickets = _tickets()

    with pytest.raises(PermissionDenied, match="called by the staff who work there"):
        services.ticket_call_next(actor=actor, service_point=point)
    for step in (services.ticket_recall, services.ticket_serve, services.ticket_finish):
        with pytest.raises(PermissionDenied):
            step(actor=actor, ticket=called)

    assert _tickets() == tickets


def test_another_doctors_room_is_said_as_a_message_and_nothing_changes(points, staff, client_for):
    """About the room (whose it is), not the role: a doctor calls at consultation rooms."""
    room = ServicePoint.objects.create(
        name="Room 3", kind=PointKind.CONSULTATION, prefix="R", doctor=staff.doctor
    )
    services.ticket_issue(actor=staff.receptionist, service_point=room)
    client = client_for(staff.second_doctor)
    tickets, audit_rows = _tickets(), audit_rows_besides_refusals()

    response = client.post(reverse("call_next", args=[room.pk]), follow=True)

    assert response.status_code == 200
    assert "called by the staff who work there" in response.content.decode()
    assert _tickets() == tickets and audit_rows_besides_refusals() == audit_rows
    assert QueueTicket.objects.get().status == TicketStatus.WAITING


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "accountant"])
def test_setting_up_the_queues_is_refused_to_other_roles_with_permission_denied(staff, role):
    actor = getattr(staff, role)
    display = services.display_create(actor=staff.admin, name="Waiting area")
    audit_rows = audit_rows_besides_refusals()

    with pytest.raises(PermissionDenied, match="set up by an administrator"):
        services.service_point_save(
            actor=actor, fields={"name": "Dental", "kind": PointKind.TRIAGE, "prefix": "X"}
        )
    with pytest.raises(PermissionDenied, match="set up by an administrator"):
        services.display_create(actor=actor, name="Second screen")
    with pytest.raises(PermissionDenied, match="set up by an administrator"):
        services.display_revoke(actor=actor, display=display)

    display.refresh_from_db()
    assert display.is_active
    assert not ServicePoint.objects.filter(name="Dental").exists()
    assert audit_rows_besides_refusals() == audit_rows
