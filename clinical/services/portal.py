"""The patient portal: giving a registered patient a login of their own."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts import services as accounts
from accounts.models import User
from clinical.models import (
    Patient,
)
from clinical.services.appointments import BookingError
from hms import audit, rbac
from hms.locking import locked


@transaction.atomic
def portal_login_create(
    *,
    actor: User,
    patient: Patient,
    username: str,
    email: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Give a registered patient a portal login with a one-time password (returned once, to be
    printed or read out; the patient must change it at first sign-in).

    Raises BookingError when the patient already has a portal login, the record is archived, or the
    username or password is refused.
    """
    patient = locked(Patient.objects).get(pk=patient.pk)
    if patient.user_id:
        raise BookingError(
            f"{patient.full_name} already has a portal login ({patient.user.username})."
        )
    if patient.is_archived:
        raise BookingError("The record is archived: reactivate it first.")
    # Easy to read out over a counter: no 0/O or 1/l look-alikes.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    password = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    try:
        user = accounts.user_create(
            actor=actor,
            username=username,
            role=rbac.PATIENT,
            password=password,
            first_name=patient.first_name,
            last_name=patient.last_name,
            email=email,
            phone=patient.phone,
            must_change_password=True,
            request=request,
        )
    except ValidationError as error:
        # Said beside the field it is about (a taken username) when it is about one.
        field = next(iter(getattr(error, "error_dict", {})), None)
        raise BookingError(" ".join(error.messages), field=field) from error
    patient.user = user
    patient.save(update_fields=["user"])
    audit.record(
        actor=actor,
        action="patient.portal_login",
        obj=patient,
        patient=patient,
        after={"username": username},
        request=request,
    )
    return user, password
