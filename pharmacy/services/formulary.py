"""The formulary: the drugs and supplies the hospital stocks, each sold through its own charge item
in billing's charge master (category Pharmacy, charged per dispensing unit)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from billing import services as billing
from billing.models import ChargeCategory, ChargeItem, ChargeType
from clinical.models import AllergenClass
from hms import audit, submissions
from hms.locking import locked
from hms.numbering import next_number
from pharmacy.models import FormularyItem
from pharmacy.services.common import PharmacyError, require

ITEM_FIELDS = [
    "generic_name",
    "brand",
    "form",
    "strength",
    "dispensing_unit",
    "pack_size",
    "category",
    "reorder_level",
    "active",
    "charge_item",
    "allergen_classes",
    "max_daily_dose_mg",
]
CODE_SERIES = "formulary"
CODE_PREFIX = "PH-"
# The charge item's name is what the patient's bill shows; the charge master's column holds 120.
CHARGE_NAME_LENGTH = 120


def _words(text: str) -> str:
    """Typed words with their spaces tidied: "  Amoxicillin   500mg " → "Amoxicillin 500mg"."""
    return " ".join((text or "").split())


def _new_code() -> str:
    """The next free "PH-000123" of the formulary's series (a code typed into the charge master by
    hand is stepped over)."""
    while True:
        code = f"{CODE_PREFIX}{next_number(CODE_SERIES):06d}"
        if not ChargeItem.objects.filter(code=code).exists():
            return code


def _duplicate_of(item: FormularyItem) -> FormularyItem | None:
    return (
        FormularyItem.objects.filter(
            generic_name__iexact=item.generic_name,
            brand__iexact=item.brand,
            form=item.form,
            strength__iexact=item.strength,
        )
        .exclude(pk=item.pk)
        .first()
    )


def _refusal_from(error: ValidationError) -> PharmacyError:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        field = None if field == "__all__" else field
        return PharmacyError(" ".join(e for err in errors for e in err.messages), field=field)
    return PharmacyError(" ".join(error.messages))


def _price_of(charge_item: ChargeItem) -> dict:
    return {"price": str(charge_item.price), "tax_rate": str(charge_item.tax_rate)}


@transaction.atomic
@submissions.once("formulary_item.save")
def formulary_item_save(
    *,
    actor: object,
    item: FormularyItem | None = None,
    generic_name: str,
    brand: str,
    form: str,
    strength: str,
    dispensing_unit: str,
    pack_size: int,
    category: str,
    reorder_level: int,
    price: Decimal,
    tax_rate: Decimal,
    active: bool,
    code: str | None = None,
    allergen_classes: list[str] | None = None,
    max_daily_dose_mg: Decimal | None = None,
    request: HttpRequest | None = None,
) -> FormularyItem:
    """Add an item to the formulary (item None) or change one, with its charge item.

    `price` is KES per dispensing unit (2 places), `tax_rate` a percentage 0-100, `pack_size` the
    dispensing units in a pack as bought, `reorder_level` units held across the hospital. A new
    item gets a charge item coded "PH-000123" from the formulary's series, or `code` when given
    (the demo's fixed codes; the screens never pass one). `allergen_classes` are
    clinical.models.AllergenClass values (prescribing to a patient allergic to one is stopped);
    `max_daily_dose_mg` the most a day in mg (more warns the prescriber); None leaves either as
    it was, in category Pharmacy, charged a fixed
    price per unit; a price or tax change goes through billing's charge_item_save, which keeps
    the price history (charges already posted keep theirs). Deactivating keeps every record: the item is
    no longer offered to prescribe, receive or sell, and its charge item is switched off with it.

    Raises PermissionDenied without `pharmacy.formulary`; PharmacyError (with its field) for an
    item already in the formulary (same generic name, brand, form and strength, any case), or a
    value the models refuse; AlreadySubmitted for a form sent twice.
    """
    require(actor, "pharmacy.formulary")
    creating = item is None
    if creating:
        item = FormularyItem()
        before = None
    else:
        item = (
            locked(FormularyItem.objects, also=("charge_item",))
            .select_related("charge_item")
            .get(pk=item.pk)
        )
        before = audit.snapshot(item, ITEM_FIELDS) | _price_of(item.charge_item)
    item.generic_name = _words(generic_name)
    item.brand = _words(brand)
    item.form = form
    item.strength = _words(strength)
    item.dispensing_unit = _words(dispensing_unit)
    item.pack_size = pack_size
    item.category = category
    item.reorder_level = reorder_level
    item.active = bool(active)
    if allergen_classes is not None:
        known = set(AllergenClass.values) - {AllergenClass.OTHER}
        unknown = [value for value in allergen_classes if value not in known]
        if unknown:
            raise PharmacyError("Choose allergen classes from the list.", field="allergen_classes")
        item.allergen_classes = sorted(set(allergen_classes))
    if max_daily_dose_mg is not None or allergen_classes is not None:
        item.max_daily_dose_mg = max_daily_dose_mg
    if (twin := _duplicate_of(item)) is not None:
        raise PharmacyError(
            f"{twin.name} is already in the formulary"
            + ("" if twin.active else " (switched off: open it and switch it on)")
            + ".",
            field="generic_name",
        )
    try:
        item.full_clean(exclude=["charge_item"], validate_unique=False)
    except ValidationError as error:
        raise _refusal_from(error) from error
    try:
        charge_item = billing.charge_item_save(
            actor=actor,
            item=None if creating else item.charge_item,
            code=(code or _new_code()) if creating else None,
            name=item.name[:CHARGE_NAME_LENGTH],
            category=ChargeCategory.PHARMACY,
            charge_type=ChargeType.FIXED,
            price=price,
            tax_rate=tax_rate,
            active=item.active,
            request=request,
        )
    except billing.BillingError as refusal:
        text = str(refusal)
        raise PharmacyError(text, field="tax_rate" if "tax" in text.lower() else "price") from None
    item.charge_item = charge_item
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Another pharmacist added the same item in the same moment.
        raise PharmacyError(
            f"{item.name} is already in the formulary.", field="generic_name"
        ) from None
    audit.record(
        actor=actor,
        action="formulary_item.create" if creating else "formulary_item.edit",
        obj=item,
        before=before,
        after=audit.snapshot(item, ITEM_FIELDS) | _price_of(charge_item),
        request=request,
    )
    return item
