"""`{{ quantity|units:item.dispensing_unit }}` -> "24 tablets" (pharmacy.units)."""

from django import template

from pharmacy.units import in_units

register = template.Library()


@register.filter
def units(quantity: object, unit: str) -> str:
    try:
        number = int(quantity)
    except (TypeError, ValueError):
        return f"{quantity} {unit}"
    return in_units(number, unit)
