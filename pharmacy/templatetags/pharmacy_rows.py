"""`{% formulary_rows items %}` and `{% stock_level_rows items %}`: the rows of the formulary and
of the stock levels, written out in Python. Each list is 50 items a page; the template's lookups,
filters and one link reversed per row cost ~4 ms of the page's ~12 (tests/bench/pages.py
--profile). The HTML is what the templates wrote, to the character
(tests/pharmacy/test_pharmacy_rows.py)."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hms.links import link_to
from hms.money import money_text
from pharmacy.models import CATEGORY_LABELS, FORM_LABELS

register = template.Library()


def _formulary_row(item: object, edit_url: str) -> SafeString:
    off = not item.active
    return format_html(
        '\n  <tr data-testid="formulary-row"{}>\n'
        '    <td><a class="fw-semibold" href="{}">{}</a>{}\n'
        '      <div class="small text-body-secondary"><code>{}</code> · {}{}</div></td>\n'
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        '    <td class="text-end">{}</td>\n'
        '    <td class="text-end text-nowrap">{}</td>\n'
        '    <td class="text-end">{} %</td>\n'
        '    <td class="text-end">{}</td>\n'
        '    <td class="text-end text-nowrap" data-testid="on-hand">{}{}</td>\n'
        "  </tr>\n  ",
        mark_safe(' class="text-body-secondary"') if off else "",
        edit_url,
        item.generic_name,
        format_html(' <span class="text-body-secondary">({})</span>', item.brand)
        if item.brand
        else "",
        item.charge_item.code,
        CATEGORY_LABELS.get(item.category, item.category),
        mark_safe(' · <span class="badge text-bg-secondary">Switched off</span>') if off else "",
        FORM_LABELS.get(item.form, item.form),
        item.strength or "—",
        item.dispensing_unit,
        intcomma(item.pack_size),
        money_text(item.charge_item.price),
        floatformat(item.charge_item.tax_rate, "-2"),
        intcomma(item.reorder_level),
        intcomma(item.on_hand),
        mark_safe(
            ' <span class="badge text-bg-warning" title="Below the reorder level">Reorder</span>'
        )
        if item.active and item.on_hand < item.reorder_level
        else "",
    )


@register.simple_tag
def formulary_rows(items: list) -> SafeString:
    """The formulary's rows: name (its edit link), brand, code, category, form, strength, unit,
    pack, price, tax, reorder level and units on hand, "Reorder" when below it."""
    edit = link_to("formulary_edit")
    return mark_safe("".join(_formulary_row(item, edit(item.pk)) for item in items))  # noqa: S308


def _stock_row(item: object, item_url: str) -> SafeString:
    figures = mark_safe(  # noqa: S308 (each figure escaped by format_html)
        "".join(format_html('<td class="text-end">{}</td>', units) for units in item.figures)
    )
    return format_html(
        '\n  <tr data-testid="stock-row">\n'
        '    <td><a class="fw-semibold" href="{}">{}</a>'
        '<div class="small text-body-secondary">{}</div></td>\n'
        "    {}\n"
        '    <td class="text-end fw-semibold">{}{}</td>\n'
        '    <td class="text-end text-body-secondary">{}</td>\n'
        "  </tr>\n  ",
        item_url,
        item.name,
        item.dispensing_unit,
        figures,
        item.usable,
        mark_safe(' <span class="badge text-bg-danger" data-testid="below-reorder">Low</span>')
        if item.usable < item.reorder_level
        else "",
        item.reorder_level,
    )


@register.simple_tag
def stock_level_rows(items: list) -> SafeString:
    """The stock levels' rows: the item (its page's link) and unit, its units in each store
    (`item.figures`), in all ("Low" below the reorder level), and the reorder level."""
    page_of_item = link_to("stock_item")
    return mark_safe("".join(_stock_row(item, page_of_item(item.pk)) for item in items))  # noqa: S308
