"""`{% outstanding_rows rows age %}`: the outstanding list's rows, written out in Python. The list
is 50 invoices a page with nine figures each; the template's ~20 lookups and filters a row cost
the large hospital's page ~8 ms (tests/bench/pages.py --large). The HTML is what the template
wrote (tests/billing/test_billing_rows.py)."""

from html import escape
from itertools import groupby
from urllib.parse import quote

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from billing.models import InvoiceStatus
from hms.dates import date_text
from hms.form_renderer import escaped
from hms.links import link_to
from hms.money import money_text
from hms.templatetags.submissions import submission_field

register = template.Library()

_DASH = "—"


def _given_back(invoice: object) -> str:
    """Credited, refunded, both or a dash."""
    parts = ""
    if invoice.amount_credited:
        parts += f"−{escape(money_text(invoice.amount_credited))}"
    if invoice.amount_refunded:
        parts += f'<div class="small">−{escape(money_text(invoice.amount_refunded))} refunded</div>'
    return parts or _DASH


def _outstanding_row(invoice: object, bucket: object, invoice_url: str, account_url: str) -> str:
    patient = invoice.patient
    shortfall = money_text(invoice.insurer_shortfall) if invoice.insurer_shortfall else _DASH
    return (
        f'<tr data-testid="outstanding-row"><td><a href="{escape(invoice_url)}">'
        f"{escape(invoice.number)}</a></td>"
        f'<td class="text-nowrap">{date_text(timezone.localtime(invoice.issued_at), "d M Y")}'
        f'</td><td class="text-nowrap">{escape(str(bucket.label))}</td>'
        f'<td><a href="{escape(account_url)}">{escape(patient.full_name)}</a> · '
        f"{escape(patient.mrn)}</td>"
        f'<td class="text-end">{escape(money_text(invoice.patient_share))}</td>'
        f'<td class="text-end">{escape(shortfall)}</td>'
        f'<td class="text-end">{_given_back(invoice)}</td>'
        f'<td class="text-end">{escape(money_text(invoice.amount_paid))}</td>'
        f'<td class="text-end fw-semibold">{escape(money_text(invoice.balance))}</td></tr>'
    )


@register.simple_tag
def outstanding_rows(rows: list, age: str) -> SafeString:
    """Each open invoice of the page: number (its link), issued, age, patient (their account's
    link) and MRN, patient share, not covered, credited / refunded, paid, balance."""
    if not rows:
        return format_html(
            '<tr><td colspan="9" class="text-body-secondary">No open invoices{}.</td></tr>',
            " of this age" if age else "",
        )
    return mark_safe("\n  ".join(_outstanding_row(*row) for row in rows))  # noqa: S308 (escaped)


def _reversed(charge: object) -> bool:
    """Whether a reversal line cancels the charge (read with it: select_related("reversal"))."""
    try:
        return charge.reversal is not None
    except ObjectDoesNotExist:
        return False


def _charge_row(charge: object, can_reverse: bool, reverse_url, csrf: str) -> str:
    reversed_ = _reversed(charge)
    if can_reverse and not charge.reversal_of_id and not reversed_:
        action = (
            "\n            "
            f'<form class="d-flex gap-1" method="post" action="{escaped(reverse_url(charge.pk))}" '
            f'data-confirm="Reverse this charge?">{csrf}{submission_field()}'
            '<input class="form-control form-control-sm" name="reason" placeholder="Reason" '
            'required maxlength="150"><button class="btn btn-sm btn-outline-danger" '
            'type="submit">Reverse</button></form>\n          '
        )
    elif reversed_:
        action = '<span class="badge text-bg-secondary">reversed</span>'
    else:
        action = ""
    warning = ' class="table-warning"' if charge.reversal_of_id else ""
    return (
        f"\n        <tr{warning}>\n"
        '          <td class="text-nowrap small">'
        f"{escaped(date_text(timezone.localtime(charge.posted_at), 'd M Y H:i'))}</td>\n"
        f"          <td>{escaped(charge.description)} "
        f'<span class="text-body-secondary small">{escaped(charge.item.code)}</span></td>\n'
        f'          <td class="text-end">{escaped(floatformat(charge.quantity, "-2"))}</td>\n'
        f'          <td class="text-end">{escaped(money_text(charge.unit_price))}</td>\n'
        f'          <td class="text-end">{escaped(money_text(charge.amount))}</td>\n'
        f'          <td class="text-end">{escaped(money_text(charge.tax_amount))}</td>\n'
        f'          <td class="text-end">{action}</td>\n'
        "        </tr>\n        "
    )


@register.simple_tag(takes_context=True)
def charge_rows(context: template.Context, charges, can_reverse: bool) -> SafeString:
    """The account's charges, a page of them: posted, service and code, quantity, price, amount,
    tax, and the form to reverse one (for who may) or "reversed" (was the template's loop; its
    HTML to the character, tests/billing/test_billing_rows.py): the reversal's link reversed and
    the CSRF field written once a page, not once a row."""
    reverse_url = link_to("charge_reverse")
    csrf = CsrfTokenNode().render(context)
    return mark_safe(  # noqa: S308 (each row escaped by format_html)
        "".join(_charge_row(charge, can_reverse, reverse_url, csrf) for charge in charges)
    )


_STATUS_BADGE = {
    "draft": "text-bg-secondary",
    "void": "text-bg-dark",
    "paid": "text-bg-success",
    "credited": "text-bg-info",
    "refunded": "text-bg-info",
}


# What get_status_display() says (an unknown status: itself), without its per-call dict.
_STATUS_LABEL = dict(InvoiceStatus.choices)


@register.simple_tag
def invoice_status(invoice: object) -> SafeString:
    """An invoice's status as its coloured badge (was the include billing/_invoice_status.html,
    its trailing line break kept)."""
    status = invoice.status
    return mark_safe(  # noqa: S308 (escaped)
        f'<span class="badge {_STATUS_BADGE.get(status, "text-bg-primary")}" '
        f'data-testid="invoice-status">{escaped(_STATUS_LABEL.get(status, status))}</span>\n'
    )


@register.filter
def deposit_receipt_url(advance) -> str:
    """The signed link of an advance deposit's receipt PDF."""
    from billing.selectors import deposit_pdf_url

    return deposit_pdf_url(advance)


@register.filter
def deposit_refund_url(given_back) -> str:
    """The signed link of a deposit refund's slip PDF."""
    from billing.selectors import deposit_refund_pdf_url

    return deposit_refund_pdf_url(given_back)


# --- the account page's tabs and sidebar lists (were template loops: ~40 lookups and filters a
# row; tests/billing/test_account_writers.py holds them to the loops, kept frozen there) ---


@register.simple_tag
def account_tabs(tabs: list, showing: str) -> SafeString:
    """The account's list tabs, each with its count; the one `showing` marked current."""
    parts = []
    for key, label, count in tabs:
        marks = ' active"' + ' aria-current="page"' if key == showing else '"'
        parts.append(
            f'<li class="nav-item"><a class="nav-link{marks} href="?show={escaped(key)}">'
            f'{escaped(label)} <span class="badge text-bg-light border">{escaped(count)}</span>'
            "</a></li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (escaped)


@register.simple_tag
def sidebar_invoices(invoices) -> SafeString:
    """The sidebar's newest invoices: each its link, status and (issued) total."""
    if not invoices:
        return mark_safe('<li class="text-body-secondary">None yet.</li>')
    invoice_url = link_to("invoice_detail")
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            '<li class="py-1 border-bottom d-flex justify-content-between">'
            f'<a href="{escaped(invoice_url(invoice.pk))}">{escaped(str(invoice))}</a>'
            f"<span>{invoice_status(invoice)} "
            f"{escaped(money_text(invoice.total)) if invoice.status != 'draft' else ''}</span></li>"
            for invoice in invoices
        )
    )


@register.simple_tag
def sidebar_deposits(advances) -> SafeString:
    """The sidebar's newest advance deposits: receipt (its PDF's link), amount, mode, left."""
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            f'<li class="py-1 border-bottom"><a href="{escaped(deposit_receipt_url(advance))}"'
            f' target="_blank" rel="noopener">{escaped(advance.receipt_number)}</a> · '
            f"{escaped(money_text(advance.amount))} ({escaped(advance.get_mode_display())}) · "
            f"{escaped(money_text(advance.available))} left</li>"
            for advance in advances
        )
    )


@register.simple_tag
def aging_cards(buckets: list[dict], age: str) -> SafeString:
    """The outstanding list's age buckets, each a card linking to its invoices (the one shown
    marked current): label, balance and count (was a template loop, ~350 calls a card;
    tests/billing/test_account_writers.py holds it to the loop)."""
    parts = []
    for row in buckets:
        key = row["bucket"].key
        current = key == age
        count = row["count"]
        current_mark = ' aria-current="true"'
        parts.append(
            '\n  <div class="col-6 col-lg-3"><a class="card text-decoration-none h-100'
            f'{" border-primary border-2" if current else ""}" '
            f'href="?age={escaped(quote(key))}" data-testid="aging-{escaped(key)}"'
            f'{current_mark if current else ""}><div class="card-body">'
            f'<div class="text-body-secondary">{escaped(row["bucket"].label)}</div>'
            f'<div class="fs-4 fw-semibold" data-testid="aging">'
            f"{escaped(money_text(row['balance']))}</div>"
            f'<div class="small">{escaped(count)} invoice{"" if count == 1 else "s"}</div>'
            "</div></a></div>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 (escaped)


def _shown(value: object) -> str:
    """As `{{ value }}` shows it: localized, escaped unless safe."""
    return escaped(localize(value))


def _line_row(line: dict, discounted: bool) -> str:
    discount = line.get("discount") or "0"
    return (
        f"\n        <tr><td>{_shown(line.get('description', ''))} "
        f'<span class="small text-body-secondary">{_shown(line.get("code", ""))}</span></td>'
        f'<td class="text-end">{_shown(line.get("quantity", ""))}</td>'
        f'<td class="text-end">{escaped(money_text(line.get("unit_price", "")))}</td>'
        f'<td class="text-end">{escaped(money_text(line.get("amount", "")))}</td>'
        + (f'<td class="text-end">−{escaped(money_text(discount))}</td>' if discounted else "")
        + f'<td class="text-end">{escaped(money_text(line.get("tax", "")))}</td></tr>\n        '
    )


@register.simple_tag
def invoice_line_rows(lines: list[dict], discounted) -> SafeString:
    """An invoice's lines under a heading per category (consecutive lines of one category, as
    `{% regroup %}` grouped them): service and code, quantity, price, amount, its share of the
    discount (when the invoice has one), tax (was the template's regroup and loops, ~300 calls
    a line; tests/billing/test_account_writers.py holds it to them)."""
    if not lines:
        return mark_safe(
            '\n      <tr><td colspan="6" class="text-body-secondary">No lines.</td></tr>\n      '
        )
    columns = "6" if discounted else "5"
    parts = ["\n      "]
    for category, group in groupby(lines, key=lambda line: line.get("category")):
        parts.append(
            f'\n        <tr class="table-light"><th colspan="{columns}">{_shown(category)}</th>'
            "</tr>\n        "
        )
        parts.extend(_line_row(line, bool(discounted)) for line in group)
        parts.append("\n      ")
    return mark_safe("".join(parts))  # noqa: S308 (escaped)


@register.simple_tag
def payment_mode_options(modes: list, refused) -> SafeString:
    """The "Paid by" select's options, the refused form's choice selected (none otherwise)."""
    data = getattr(refused, "data", None)
    chosen = data.get("mode") if data is not None else None
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            f'<option value="{_shown(value)}"{" selected" if chosen == value else ""}>'
            f"{_shown(label)}</option>"
            for value, label in modes
        )
    )
