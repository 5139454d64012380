"""`{% outstanding_rows rows age %}`: the outstanding list's rows, written out in Python. The list
is 50 invoices a page with nine figures each; the template's ~20 lookups and filters a row cost
the large hospital's page ~8 ms (tests/bench/pages.py --large). The HTML is what the template
wrote (tests/billing/test_billing_rows.py)."""

from django import template
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hms.money import money_text

register = template.Library()

_DASH = "—"


def _given_back(invoice: object) -> SafeString:
    """Credited, refunded, both or a dash."""
    parts = SafeString("")
    if invoice.amount_credited:
        parts += format_html("−{}", money_text(invoice.amount_credited))
    if invoice.amount_refunded:
        parts += format_html(
            '<div class="small">−{} refunded</div>', money_text(invoice.amount_refunded)
        )
    return parts or SafeString(_DASH)


@register.simple_tag
def outstanding_rows(rows: list, age: str) -> SafeString:
    """Each open invoice of the page: number (its link), issued, age, patient (their account's
    link) and MRN, patient share, not covered, credited / refunded, paid, balance."""
    if not rows:
        return format_html(
            '<tr><td colspan="9" class="text-body-secondary">No open invoices{}.</td></tr>',
            " of this age" if age else "",
        )
    return mark_safe(  # noqa: S308 (each row escaped by format_html)
        "\n  ".join(
            format_html(
                '<tr data-testid="outstanding-row"><td><a href="{}">{}</a></td>'
                '<td class="text-nowrap">{}</td><td class="text-nowrap">{}</td>'
                '<td><a href="{}">{}</a> · {}</td><td class="text-end">{}</td>'
                '<td class="text-end">{}</td><td class="text-end">{}</td>'
                '<td class="text-end">{}</td><td class="text-end fw-semibold">{}</td></tr>',
                invoice_url,
                invoice.number,
                date_format(timezone.localtime(invoice.issued_at), "d M Y"),
                bucket.label,
                account_url,
                invoice.patient.full_name,
                invoice.patient.mrn,
                money_text(invoice.patient_share),
                money_text(invoice.insurer_shortfall) if invoice.insurer_shortfall else _DASH,
                _given_back(invoice),
                money_text(invoice.amount_paid),
                money_text(invoice.balance),
            )
            for invoice, bucket, invoice_url, account_url in rows
        )
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
