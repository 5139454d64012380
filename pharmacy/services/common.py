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


REASON_LIMIT = 200  # characters of a reason kept with a stock movement or a dispense


def reason_text(text: str | None, *, missing: str, field: str = "reason") -> str:
    """The reason a person typed, stripped.

    Raises PharmacyError on `field` with `missing` when it is blank, or when it is longer than
    REASON_LIMIT characters."""
    text = (text or "").strip()
    if not text:
        raise PharmacyError(missing, field=field)
    if len(text) > REASON_LIMIT:
        raise PharmacyError(
            f"At most {REASON_LIMIT} characters (this has {len(text)}).", field=field
        )
    return text
