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

# The chat row of the matrix, by scope: ALL talks with anyone; STAFF with staff;
# STAFF_AND_OWN_PATIENTS also with their own patients; ASSIGNED_DOCTORS (a patient) only with the
# doctors looking after them.
STAFF_SCOPES = (rbac.ALL, rbac.STAFF, rbac.STAFF_AND_OWN_PATIENTS)


def _chat_scope(user) -> str | None:
    return rbac.scope(user, "chat.use")


def may_start(initiator, other) -> bool:
    if initiator.pk == other.pk or not other.is_active or not initiator.is_active:
        return False
    mine, theirs = _chat_scope(initiator), _chat_scope(other)
    if mine is None or theirs is None:
        return False
    if mine == rbac.ALL:
        return True
    if mine == rbac.ASSIGNED_DOCTORS:
        return other.pk in clinical.assigned_doctor_ids(initiator)
    if theirs == rbac.ASSIGNED_DOCTORS:
        return mine == rbac.STAFF_AND_OWN_PATIENTS and other.pk in (
            clinical.assigned_patient_user_ids(initiator)
        )
    return True


def may_talk(a, b) -> bool:
    return may_start(a, b) or may_start(b, a)


def why_not(initiator, other) -> str:
    """The sentence a person reads when the rule says no."""
    if not other.is_active:
        return f"{other} no longer has an account here."
    if _chat_scope(initiator) == rbac.ASSIGNED_DOCTORS:
        return f"You can message only the doctors looking after you; {other} is not one of them."
    if _chat_scope(other) == rbac.ASSIGNED_DOCTORS:
        return f"Only {other}'s own doctors can message them."
    return f"You cannot message {other}."


def contactable(user) -> QuerySet:
    """Everyone `user` may start a conversation with (the new-thread picker)."""
    User = get_user_model()
    people = User.objects.filter(is_active=True).exclude(pk=user.pk)
    scope = _chat_scope(user)
    if scope == rbac.ALL:
        return people
    if scope == rbac.ASSIGNED_DOCTORS:
        return people.filter(pk__in=clinical.assigned_doctor_ids(user))
    if scope is None:
        return people.none()
    staff = Q(role__in=rbac.roles_with("chat.use", STAFF_SCOPES))
    if scope == rbac.STAFF_AND_OWN_PATIENTS:
        staff |= Q(pk__in=clinical.assigned_patient_user_ids(user))
    return people.filter(staff)
