"""`{% stock_nav here %}` and `{% item_batch_rows batches %}`: the stores' menu and an item's
batches, written out in Python. The menu's eight links and three permission checks cost ~1,300
calls on every stock page as an included template, an item's batch rows ~50 calls each; the
HTML is what the templates wrote, to the character (tests/pharmacy/test_page_writers.py)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from hms import rbac, submissions
from hms.dates import date_text
from hms.links import link_to

register = template.Library()

_ACTIVE = " active"


def _link(here: str, tab: str, route: str, label: str) -> str:
    active = _ACTIVE if here == tab else ""
    return f'<a class="nav-link{active}" href="{reverse(route)}">{label}</a>'


@register.simple_tag(takes_context=True)
def stock_nav(context: template.Context, here: str = "") -> SafeString:
    """The stores' menu, `here` (levels, receipts, transfers, counts, stores, reports, wards)
    marked: every store's pages for the whole stores (pharmacist, admin), the levels and the
    ward stores for a ward's nurse, nothing for the rest."""
    user = context.get("user")
    if rbac.allows(user, "pharmacy.stock_move", scopes=[rbac.ALL]):
        reports = (
            f"{_link(here, 'reports', 'stock_reports', 'Reports')}"
            if rbac.allows(user, "pharmacy.reports")
            else ""
        )
        html = (
            '<nav class="nav nav-pills flex-wrap gap-1 mb-3" aria-label="Stores">\n'
            f"  {_link(here, 'levels', 'stock_levels', 'Stock levels')}\n"
            f"  {_link(here, 'receipts', 'receipt_list', 'Receipts')}\n"
            f"  {_link(here, 'transfers', 'transfer_list', 'Transfers')}\n"
            f"  {_link(here, 'counts', 'stock_take_list', 'Stock takes')}\n"
            f"  {_link(here, 'stores', 'store_list', 'Stores and suppliers')}\n"
            f"  {reports}\n</nav>"
        )
    elif rbac.allows(user, "pharmacy.stock_move"):
        html = (
            '<nav class="nav nav-pills mb-3" aria-label="Stores">'
            f"{_link(here, 'levels', 'stock_levels', 'Stock levels')}"
            f"{_link(here, 'wards', 'ward_stores', 'Ward stores')}</nav>"
        )
    else:
        html = ""
    return mark_safe(html + "\n")  # noqa: S308 (no value from a person)


def _csrf_input(context: template.Context) -> str:
    """What `{% csrf_token %}` writes (as hms/templatetags/frame.py writes it)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


_DANGER = ' class="table-danger"'
_EXPIRED = ' <span class="badge text-bg-danger">Expired: never dispensed</span>'


def _batch_row(row: object, moves: bool, context: template.Context, links: tuple) -> str:
    expired, quantity = row.expired, row.quantity
    tools = ""
    if moves:
        write_off = (
            f'<form method="post" action="{links[0](row.batch_id)}" '
            f'class="d-inline">{_csrf_input(context)}'
            f'<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">'
            f'<input type="hidden" name="store" value="{row.store_id}">'
            '<button class="btn btn-outline-danger" type="submit" data-testid="write-off">'
            f"Write off {quantity}</button></form>"
            if expired
            else ""
        )
        tools = (
            '<td class="text-end">\n'
            f"      {write_off}\n"
            '      <a class="btn btn-outline-secondary" '
            f'href="{links[1](row.batch_id)}">Adjust</a>\n    </td>'
        )
    return (
        f'\n  <tr{_DANGER if expired else ""} data-testid="batch-row">\n'
        f"    <td>{escape(row.store.name)}</td>\n"
        f"    <td><code>{escape(row.batch.batch_number)}</code></td>\n"
        f"    <td>{escape(date_text(row.expiry_date))}"
        f"{_EXPIRED if expired else ''}"
        "</td>\n"
        f'    <td class="text-end">{quantity}</td>\n'
        f"    {tools}\n  </tr>\n  "
    )


@register.simple_tag(takes_context=True)
def item_batch_rows(context: template.Context, batches: list) -> SafeString:
    """An item's batches (pharmacy.selectors.item_batches): store, batch, expiry ("Expired"
    marked), units; for who moves the whole stores, "Adjust", and "Write off" for an expired
    one. One line saying so when there is none."""
    moves = rbac.allows(context.get("user"), "pharmacy.stock_move", scopes=[rbac.ALL])
    links = (link_to("stock_write_off"), link_to("stock_adjust")) if moves else ()
    html = "".join([_batch_row(row, moves, context, links) for row in batches])
    return mark_safe(  # noqa: S308 (every value escaped)
        html or '<tr><td colspan="5" class="text-body-secondary">None in any store.</td></tr>'
    )
