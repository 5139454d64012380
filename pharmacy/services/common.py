"""What the pharmacy's services share."""

from hms import rbac
from hms.refusals import Refusal


class PharmacyError(Refusal):
    """A pharmacy action refused by a rule (the sentence the person reads, and its field)."""


def require(actor: object, capability: str, *, scopes: tuple[str, ...] | None = None) -> None:
    """Raise PermissionDenied unless `actor` holds `capability` (one of `scopes`, when given)."""
    from django.core.exceptions import PermissionDenied

    if not rbac.allows(actor, capability, scopes=scopes):
        raise PermissionDenied
