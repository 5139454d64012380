"""`{% formulary_rows items %}`, `{% stock_level_rows items %}` and `{% item_ledger_rows page %}`:
the rows of the formulary, of the stock levels and of an item's ledger, written out in Python. Each list is 50 items a page; the template's lookups,
filters and one link reversed per row cost ~4 ms of the page's ~12 (tests/bench/pages.py
--profile). The HTML is what the templates wrote, to the character
(tests/pharmacy/test_pharmacy_rows.py)."""

import functools
from datetime import datetime
from decimal import Decimal
from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from clinical.templatetags.allergies import allergy_line_html
from hms.dates import date_text
from hms.durations import elapsed
from hms.links import link_to
from hms.money import money_text
from pharmacy.models import CATEGORY_LABELS, FORM_LABELS, ItemForm, MovementKind
from pharmacy.templatetags.pharmacy_units import units

register = template.Library()

# What `get_kind_display` says of each kind of movement (it builds this dict on every call).
KIND_LABELS = {kind.value: str(kind.label) for kind in MovementKind}


def _count(number: int) -> str:
    """A whole number with its thousands grouped, as `intcomma` writes it ("1,250"); anything
    else as intcomma writes it."""
    return f"{number:,}" if type(number) is int else escape(str(intcomma(number)))


_GREY = ' class="text-body-secondary"'
_SWITCHED_OFF = ' · <span class="badge text-bg-secondary">Switched off</span>'


@register.simple_tag
def choice_options(choices: list, chosen: str) -> SafeString:
    """A filter's `<option>`s, `chosen` selected: what a loop over the choices wrote, ~60 calls
    an option in the template."""
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            [
                f'<option value="{escape(str(value))}"'
                f"{' selected' if value == chosen else ''}>{escape(str(label))}</option>"
                for value, label in choices
            ]
        )
    )


@functools.lru_cache(maxsize=64)
def _tax(rate: Decimal) -> str:
    """{{ rate|floatformat:"-2" }}, worked out once per rate (a handful in a hospital)."""
    return floatformat(rate, "-2")


def _formulary_row(item: dict, edit_url: str) -> str:
    off = not item["active"]
    brand = item["brand"]
    brand = f' <span class="text-body-secondary">({escape(brand)})</span>' if brand else ""
    on_hand, reorder_level = item["on_hand"], item["reorder_level"]
    reorder = (
        ' <span class="badge text-bg-warning" title="Below the reorder level">Reorder</span>'
        if not off and on_hand < reorder_level
        else ""
    )
    category, form = item["category"], item["form"]
    return (
        f'\n  <tr data-testid="formulary-row"{_GREY if off else ""}>\n'
        f'    <td><a class="fw-semibold" href="{edit_url}">{escape(item["generic_name"])}</a>'
        f"{brand}\n"
        '      <div class="small text-body-secondary">'
        f"<code>{escape(item['charge_item__code'])}</code> · "
        f"{escape(CATEGORY_LABELS.get(category, category))}"
        f"{_SWITCHED_OFF if off else ''}"
        "</div></td>\n"
        f"    <td>{escape(FORM_LABELS.get(form, form))}</td>\n"
        f"    <td>{escape(item['strength'] or '—')}</td>\n"
        f"    <td>{escape(item['dispensing_unit'])}</td>\n"
        f'    <td class="text-end">{_count(item["pack_size"])}</td>\n'
        '    <td class="text-end text-nowrap">'
        f"{escape(money_text(item['charge_item__price']))}</td>\n"
        f'    <td class="text-end">{_tax(item["charge_item__tax_rate"])} %</td>\n'
        f'    <td class="text-end">{_count(reorder_level)}</td>\n'
        f'    <td class="text-end text-nowrap" data-testid="on-hand">{_count(on_hand)}'
        f"{reorder}</td>\n"
        "  </tr>\n  "
    )


@register.simple_tag
def formulary_rows(items: list) -> SafeString:
    """The formulary's rows (dicts: pharmacy.formulary_selectors.formulary_rows): name (its edit
    link), brand, code, category, form, strength, unit, pack, price, tax, reorder level and
    units on hand, "Reorder" when below it."""
    edit = link_to("formulary_edit")
    return mark_safe("".join([_formulary_row(item, edit(item["pk"])) for item in items]))  # noqa: S308


def item_name(row: dict) -> str:
    """FormularyItem.name of an item read as a dict ("Amoxicillin 500 mg capsule (Amoxil)")."""
    form, strength = row["form"], row["strength"]
    if form == ItemForm.SUPPLY:
        words = (row["generic_name"], strength)
    else:
        words = (row["generic_name"], strength, FORM_LABELS.get(form, form).lower())
    text = " ".join([word for word in words if word])
    return f"{text} ({row['brand']})" if row["brand"] else text


def _text(value: object) -> str:
    """A value as {{ value }} writes it: a whole number as it is, anything else escaped."""
    return str(value) if type(value) is int else escape(str(value))


def _stock_row(item: dict, item_url: str) -> str:
    figures = "".join([f'<td class="text-end">{_text(units)}</td>' for units in item["figures"]])
    usable = item["usable"]
    low = (
        ' <span class="badge text-bg-danger" data-testid="below-reorder">Low</span>'
        if usable < item["reorder_level"]
        else ""
    )
    return (
        '\n  <tr data-testid="stock-row">\n'
        f'    <td><a class="fw-semibold" href="{item_url}">{escape(item_name(item))}</a>'
        f'<div class="small text-body-secondary">{escape(item["dispensing_unit"])}</div></td>\n'
        f"    {figures}\n"
        f'    <td class="text-end fw-semibold">{_text(usable)}{low}</td>\n'
        f'    <td class="text-end text-body-secondary">{_text(item["reorder_level"])}</td>\n'
        "  </tr>\n  "
    )


@register.simple_tag
def stock_level_rows(items: list) -> SafeString:
    """The stock levels' rows (dicts: pharmacy.selectors.stock_level_rows): the item (its page's
    link) and unit, its units in each store (`figures`), in all ("Low" below the reorder
    level), and the reorder level."""
    page_of_item = link_to("stock_item")
    return mark_safe("".join([_stock_row(item, page_of_item(item["pk"])) for item in items]))  # noqa: S308


def _pick_button(item: object) -> str:
    generic, brand = escape(item.generic_name), escape(item.brand)
    branded = f" ({brand})" if brand else ""
    form = FORM_LABELS.get(item.form, item.form).lower()
    allergy = (
        ' <span class="d-block text-danger fw-semibold small" data-testid="pick-allergy">'
        '<i class="bi bi-exclamation-octagon-fill" aria-hidden="true"></i> Allergy: '
        f"{escape(str(item.allergy))}</span>"
        if item.allergy
        else ""
    )
    stock = (
        f'<span class="badge text-bg-success text-nowrap">{_count(item.in_stock)} in stock</span>'
        if item.in_stock > 0
        else '<span class="badge text-bg-secondary text-nowrap">Out of stock</span>'
    )
    strength = escape(item.strength)
    return (
        '\n    <button type="button" class="list-group-item list-group-item-action d-flex '
        'justify-content-between align-items-center gap-2 py-2" data-testid="pick-item"\n'
        f'            data-pick-item="{item.pk}" data-drug="{generic}{branded}" '
        f'data-strength="{strength}" data-form="{escape(item.form)}" '
        f'data-unit="{escape(item.dispensing_unit)}">\n'
        f"      <span><strong>{generic}</strong>{branded} {strength} "
        f'<span class="text-body-secondary">{escape(form)}</span>{allergy}</span>\n'
        f"      {stock}\n    </button>\n    "
    )


@register.simple_tag
def pick_buttons(found, text: str) -> SafeString:
    """The prescriber's search's items (pharmacy.formulary_selectors.items_to_prescribe, each
    with `allergy`): a button each, with what a tap fills in, the allergy that would stop it
    and the units in stock; a line saying nothing matches `text` when none does."""
    html = "".join([_pick_button(item) for item in found])
    return mark_safe(  # noqa: S308 (every value escaped)
        html
        or '\n    <div class="list-group-item text-body-secondary" data-testid="pick-none">'
        f"Nothing in the formulary matches “{escape(text)}”. If the hospital does not stock it, "
        "tick “Not stocked here”.</div>\n    "
    )


def _queue_row(rx: object, link: str, now: datetime) -> str:
    patient, doctor, item = rx.patient, rx.doctor, rx.formulary_item
    inpatient = (
        '<span class="badge text-bg-info" data-testid="inpatient">Inpatient · '
        f"{escape(rx.ward_name)}, bed {escape(str(rx.bed_number))}</span>"
        if rx.ward_name
        else ""
    )
    if rx.dispensed_quantity:
        left = (
            '<span class="badge text-bg-warning fs-6" data-testid="left">'
            f"{rx.to_dispense} of {rx.quantity} left</span>"
        )
    else:
        left = (
            '<span class="badge text-bg-secondary fs-6">'
            f"{escape(units(rx.quantity, item.dispensing_unit))}</span>"
        )
    return (
        '\n  <a class="list-group-item list-group-item-action py-3 d-flex flex-wrap '
        f'justify-content-between align-items-center gap-2" href="{link}" '
        'data-testid="queue-row">\n    <span>\n'
        f"      <strong>{escape(item.name)}</strong> · {escape(rx.dose)} {escape(rx.frequency)}"
        f" for {escape(rx.duration)}<br>\n"
        f'      <span class="badge text-bg-dark">MRN {escape(patient.mrn)}</span> '
        f"{escape(patient.full_name)}\n      {inpatient}\n"
        '      <span class="text-body-secondary small">· Dr '
        f"{escape(doctor.get_full_name() or str(doctor))} · "
        f"{escape(elapsed(rx.created_at, now))} ago</span>\n"
        f"      {allergy_line_html(patient)}\n    </span>\n"
        f'    <span class="d-flex align-items-center gap-2">\n      {left}\n'
        '      <span class="btn btn-outline-primary btn-lg">Dispense <i class="bi '
        'bi-chevron-right" aria-hidden="true"></i></span>\n    </span>\n  </a>\n  '
    )


@register.simple_tag
def dispense_queue_rows(rows: list) -> SafeString:
    """The dispensing queue's rows (pharmacy.dispensing_selectors.queue): the item, dose,
    frequency and duration; the patient (MRN, name, ward and bed when admitted), the doctor and
    how long ago; the patient's allergy line; what is left to hand over. One line saying so when
    nothing waits."""
    link, now = link_to("dispense_new"), timezone.now()
    html = "".join(_queue_row(rx, link(rx.pk), now) for rx in rows)
    return mark_safe(  # noqa: S308 (every value escaped)
        html
        or '<div class="list-group-item text-body-secondary py-3" data-testid="queue-empty">'
        "Nothing waiting.</div>"
    )


def _ledger_row(move: dict) -> str:
    # As {{ user.get_full_name|default:user.username }} writes it.
    full_name = f"{move['moved_by__first_name']} {move['moved_by__last_name']}".strip()
    by = full_name or move["moved_by__username"]
    # As {{ moved_at|date:"DATETIME_FORMAT" }} writes it: in the hospital's time zone.
    when = date_text(timezone.localtime(move["moved_at"]), "DATETIME_FORMAT")
    kind = move["kind"]
    return (
        f"\n  <tr><td>{escape(when)}</td><td>{escape(move['store__name'])}</td>"
        f"<td>{escape(KIND_LABELS.get(kind, kind))}</td>"
        f"<td><code>{escape(move['batch__batch_number'])}</code></td>"
        f'<td class="text-end">{move["quantity"]:+d}</td><td>{escape(by)}</td>'
        f"<td>{escape(move['reason'])}</td></tr>\n  "
    )


@register.simple_tag
def item_ledger_rows(moves) -> SafeString:
    """An item's ledger page (dicts: pharmacy.selectors.item_history): when, store, what,
    batch, the units signed, by whom and why; one line saying so when nothing has moved."""
    html = "".join([_ledger_row(move) for move in moves])
    return mark_safe(  # noqa: S308 (every value escaped)
        html or '<tr><td colspan="7" class="text-body-secondary">No movement yet.</td></tr>'
    )
