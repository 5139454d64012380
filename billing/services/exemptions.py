"""Discharge exemptions: an accountant's authority for a stay to end while the patient owes."""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import selectors
from billing.models import DischargeExemption
from billing.services.common import BillingError, _announce, _text
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text


@transaction.atomic
@submissions.once("discharge.exempt")
def discharge_exemption_grant(
    *,
    actor: User,
    patient: models.Model,
    admission: models.Model,
    reason: str,
    request: HttpRequest | None = None,
) -> DischargeExemption:
    """Authorise `admission` to end with the patient owing what they owe now (after deposits),
    for `reason`; audited. A later charge beyond it needs a new exemption.

    Raises PermissionDenied when the actor's role may not exempt; BillingError when the stay is
    not the patient's or has ended, nothing is owed, or no reason is given; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "billing.exempt"):
        raise PermissionDenied("Only an accountant or an administrator may exempt a balance.")
    if admission.patient_id != patient.pk:
        raise BillingError("That stay is not this patient's.", field="admission")
    # The stay's row is locked: the discharge (which reads the exemption) waits for this.
    admission = locked(type(admission).objects).get(pk=admission.pk)
    if admission.discharged_at is not None:
        raise BillingError("This stay has already ended.", field="admission")
    reason = _text(reason, DischargeExemption, "reason", "Reason").strip()
    if not reason:
        raise BillingError("Give the reason for letting the patient leave owing.", field="reason")
    owing = selectors.discharge_clearance(patient, admission).owing
    if owing <= 0:
        raise BillingError(
            "Nothing is owed after the deposits held: the discharge needs no exemption."
        )
    exemption = DischargeExemption.objects.create(
        patient=patient,
        admission=admission,
        amount=owing,
        reason=reason,
        granted_at=timezone.now(),
        granted_by=actor,
    )
    audit.record(
        actor=actor,
        action="billing.discharge_exemption",
        obj=exemption,
        patient=patient,
        after={"admission": admission.pk, "amount": money_text(owing), "reason": reason},
        request=request,
    )
    _announce(patient.pk)
    return exemption
