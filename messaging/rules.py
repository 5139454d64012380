"""Who may talk with whom (DESIGN.md's chat row), checked on every thread start and every send.

- admin talks with anyone;
- staff (every role but patient) talk with staff;
- a doctor talks with staff and with their own patients;
- a patient talks only with their assigned doctors (clinical's selectors say who those are).

`may_start(a, b)`: may `a` open a conversation with `b`. `may_talk(a, b)`: may two people be in
one thread (either side may start it: a patient may answer the administrator who wrote first).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from clinical import selectors as clinical
from hms import rbac


def may_start(initiator, other) -> bool:
    if initiator.pk == other.pk or not other.is_active or not initiator.is_active:
        return False
    if not rbac.has(initiator, "chat.use") or not rbac.has(other, "chat.use"):
        return False
    if initiator.role == rbac.ADMIN:
        return True
    if initiator.role == rbac.PATIENT:
        return other.role == rbac.DOCTOR and other.pk in clinical.assigned_doctor_ids(initiator)
    if other.role == rbac.PATIENT:
        return initiator.role == rbac.DOCTOR and other.pk in clinical.assigned_patient_user_ids(
            initiator
        )
    return True


def may_talk(a, b) -> bool:
    return may_start(a, b) or may_start(b, a)


def why_not(initiator, other) -> str:
    """The sentence a person reads when the rule says no."""
    if not other.is_active:
        return f"{other} no longer has an account here."
    if initiator.role == rbac.PATIENT:
        return f"You can message only the doctors looking after you; {other} is not one of them."
    if other.role == rbac.PATIENT:
        return f"Only {other}'s own doctors can message them."
    return f"You cannot message {other}."


def contactable(user) -> QuerySet:
    """Everyone `user` may start a conversation with (the new-thread picker)."""
    User = get_user_model()
    people = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if user.role == rbac.ADMIN:
        return people
    if user.role == rbac.PATIENT:
        return people.filter(role=rbac.DOCTOR, pk__in=clinical.assigned_doctor_ids(user))
    staff = Q(role__in=rbac.STAFF_ROLES)
    if user.role == rbac.DOCTOR:
        staff |= Q(pk__in=clinical.assigned_patient_user_ids(user))
    return people.filter(staff)
