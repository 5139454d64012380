"""`{% as_written prescription %}` and `{% shelf_rows balances %}`: what the doctor wrote and the
batches on the shelf, on the dispense screen, written out in Python. The screen is redrawn on
every item chosen and every quantity typed; the template's ~40 lookups and filters cost ~1,500
calls of it. The HTML is what the template wrote, to the character
(tests/pharmacy/test_page_writers.py)."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hms.dates import date_text
from pharmacy.templatetags.pharmacy_units import units

register = template.Library()


def _text(value: object) -> str:
    """`value` as {{ value }} writes it."""
    return escape(str(value))


@register.simple_tag
def as_written(prescription: object) -> SafeString:
    """The prescription as written (the `<dl>`'s rows): medicine, dose, route, how often, for
    how long, any instructions, by whom and when, the quantity and what is left to give."""
    doctor = prescription.doctor
    instructions = prescription.instructions
    given = prescription.dispensed_quantity
    when = prescription.created_at
    when = date_text(timezone.localtime(when) if when else when, "d M Y H:i")
    quantity = units(prescription.quantity, prescription.formulary_item.dispensing_unit)
    return mark_safe(  # noqa: S308 (every value escaped)
        '        <dt class="col-5">Medicine</dt><dd class="col-7">'
        f"{_text(prescription.drug)} {_text(prescription.strength)}</dd>\n"
        '        <dt class="col-5">Dose</dt><dd class="col-7">'
        f"{_text(prescription.dose)}</dd>\n"
        '        <dt class="col-5">Route</dt><dd class="col-7">'
        f"{_text(prescription.get_route_display())}</dd>\n"
        '        <dt class="col-5">How often</dt><dd class="col-7">'
        f"{_text(prescription.frequency)}</dd>\n"
        '        <dt class="col-5">For</dt><dd class="col-7">'
        f"{_text(prescription.duration)}</dd>\n"
        "        "
        + (
            f'<dt class="col-5">Instructions</dt><dd class="col-7">{_text(instructions)}</dd>'
            if instructions
            else ""
        )
        + "\n"
        '        <dt class="col-5">Prescribed by</dt><dd class="col-7">Dr '
        f"{_text(doctor.get_full_name() or doctor)}, {escape(when)}</dd>\n"
        '        <dt class="col-5">Quantity</dt><dd class="col-7">'
        f"{_text(quantity)}</dd>\n"
        '        <dt class="col-5">Left to give</dt><dd class="col-7 fw-semibold" '
        f'data-testid="left">{_text(prescription.to_dispense)}'
        + (
            f' <span class="text-body-secondary fw-normal">({_text(given)} given)</span>'
            if given
            else ""
        )
        + "</dd>\n"
    )


_FEFO = ' <span class="badge text-bg-success">FEFO</span>'


@register.simple_tag
def shelf_rows(balances: list) -> SafeString:
    """The batches of the item on the shelf, first to expire first (marked FEFO): batch, expiry
    and units; one line saying there is none, and to search for a substitute."""
    html = "".join(
        [
            f"<tr><td>{_text(balance.batch.batch_number)}{'' if n else _FEFO}</td>"
            f"<td>{escape(date_text(balance.expiry_date, 'd M Y'))}</td>"
            f'<td class="text-end">{_text(balance.quantity)}</td></tr>\n        '
            for n, balance in enumerate(balances)
        ]
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        html
        or '<tr><td colspan="3" class="text-danger" data-testid="no-stock">None in stock '
        "(expired batches are never offered). Search for a substitute.</td></tr>"
    )
