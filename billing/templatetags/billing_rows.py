"""`{% outstanding_rows rows age %}`: the outstanding list's rows, written out in Python. The list
is 50 invoices a page with nine figures each; the template's ~20 lookups and filters a row cost
the large hospital's page ~8 ms (tests/bench/pages.py --large). The HTML is what the template
wrote (tests/billing/test_billing_rows.py)."""

from html import escape

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


def _charge_row(charge: object, can_reverse: bool, reverse_url, csrf: str) -> SafeString:
    reversed_ = _reversed(charge)
    if can_reverse and not charge.reversal_of_id and not reversed_:
        action = format_html(
            "\n            "
            '<form class="d-flex gap-1" method="post" action="{}" '
            'data-confirm="Reverse this charge?">{}{}'
            '<input class="form-control form-control-sm" name="reason" placeholder="Reason" '
            'required maxlength="150"><button class="btn btn-sm btn-outline-danger" '
            'type="submit">Reverse</button></form>\n          ',
            reverse_url(charge.pk),
            csrf,
            submission_field(),
        )
    elif reversed_:
        action = mark_safe('<span class="badge text-bg-secondary">reversed</span>')
    else:
        action = ""
    return format_html(
        "\n        <tr{}>\n"
        '          <td class="text-nowrap small">{}</td>\n'
        '          <td>{} <span class="text-body-secondary small">{}</span></td>\n'
        '          <td class="text-end">{}</td>\n'
        '          <td class="text-end">{}</td>\n'
        '          <td class="text-end">{}</td>\n'
        '          <td class="text-end">{}</td>\n'
        '          <td class="text-end">{}</td>\n'
        "        </tr>\n        ",
        mark_safe(' class="table-warning"') if charge.reversal_of_id else "",
        date_text(timezone.localtime(charge.posted_at), "d M Y H:i"),
        charge.description,
        charge.item.code,
        floatformat(charge.quantity, "-2"),
        money_text(charge.unit_price),
        money_text(charge.amount),
        money_text(charge.tax_amount),
        action,
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


@register.simple_tag
def invoice_status(invoice: object) -> SafeString:
    """An invoice's status as its coloured badge (was the include billing/_invoice_status.html,
    its trailing line break kept)."""
    return format_html(
        '<span class="badge {}" data-testid="invoice-status">{}</span>\n',
        _STATUS_BADGE.get(invoice.status, "text-bg-primary"),
        invoice.get_status_display(),
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
