"""The outstanding list's rows are written out in Python (billing/templatetags/billing_rows.py):
the same HTML the template wrote, for every kind of figure, whatever a name holds."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from billing import selectors
from billing.models import Charge, Invoice, InvoiceStatus
from tests.factories import ChargeFactory, ChargeItemFactory, PatientFactory

pytestmark = pytest.mark.django_db

# The template the tag replaced, as it was.
ROWS = '{% for invoice, bucket, invoice_url, account_url in rows %}\n  <tr data-testid="outstanding-row"><td><a href="{{ invoice_url }}">{{ invoice.number }}</a></td><td class="text-nowrap">{{ invoice.issued_at|date:"d M Y" }}</td><td class="text-nowrap">{{ bucket.label }}</td><td><a href="{{ account_url }}">{{ invoice.patient.full_name }}</a> · {{ invoice.patient.mrn }}</td><td class="text-end">{{ invoice.patient_share|money }}</td><td class="text-end">{% if invoice.insurer_shortfall %}{{ invoice.insurer_shortfall|money }}{% else %}—{% endif %}</td><td class="text-end">{% if invoice.amount_credited %}−{{ invoice.amount_credited|money }}{% endif %}{% if invoice.amount_refunded %}<div class="small">−{{ invoice.amount_refunded|money }} refunded</div>{% endif %}{% if not invoice.amount_credited and not invoice.amount_refunded %}—{% endif %}</td><td class="text-end">{{ invoice.amount_paid|money }}</td><td class="text-end fw-semibold">{{ invoice.balance|money }}</td></tr>\n  {% empty %}<tr><td colspan="9" class="text-body-secondary">No open invoices{% if age %} of this age{% endif %}.</td></tr>\n  {% endfor %}'


def _render(source: str, rows, age: str) -> str:
    return Template("{% load billing_rows %}" + source).render(Context({"rows": rows, "age": age}))


def _invoice(staff, number: str, days_ago: int, **figures) -> Invoice:
    patient = PatientFactory(first_name="Zoé", last_name=f"Ng'ang'a <{number}>")
    figures.setdefault("subtotal", figures["total"])  # no discount, no tax
    return Invoice.objects.create(
        patient=patient,
        created_by=staff.receptionist,
        number=number,
        status="partially_paid",
        issued_at=timezone.now() - timedelta(days=days_ago, hours=20),
        **figures,
    )


def test_the_rows_are_the_html_the_template_wrote(staff):
    today = timezone.localdate()
    invoices = [
        _invoice(staff, "INV-1", 3, total=Decimal("1000.00"), patient_share=Decimal("1000.00")),
        _invoice(
            staff,
            "INV-2",
            45,
            total=Decimal("12500.50"),
            insurer_share=Decimal("10000.00"),
            patient_share=Decimal("2500.50"),
            insurer_shortfall=Decimal("300.00"),
            amount_credited=Decimal("100.00"),
            amount_refunded=Decimal("20.00"),
            amount_paid=Decimal("200.00"),
        ),
        _invoice(
            staff,
            "INV-3",
            120,
            total=Decimal("900.00"),
            patient_share=Decimal("900.00"),
            amount_refunded=Decimal("50.00"),
        ),
    ]
    rows = selectors.outstanding_rows(invoices, today)

    ours = _render("{% outstanding_rows rows age %}", rows, "")

    assert " ".join(ours.split()) == " ".join(_render(ROWS, rows, "").split())
    assert ours.count('data-testid="outstanding-row"') == 3
    for age in ["", "31-60"]:
        assert _render("{% outstanding_rows rows age %}", [], age) == " ".join(
            _render(ROWS, [], age).split()
        )


# The account page's charge rows and the invoice status include, as they were (session 16).
CHARGE_ROWS = """{% for charge in page %}
        <tr{% if charge.reversal_of_id %} class="table-warning"{% endif %}>
          <td class="text-nowrap small">{{ charge.posted_at|date:"d M Y H:i" }}</td>
          <td>{{ charge.description }} <span class="text-body-secondary small">{{ charge.item.code }}</span></td>
          <td class="text-end">{{ charge.quantity|floatformat:"-2" }}</td>
          <td class="text-end">{{ charge.unit_price|money }}</td>
          <td class="text-end">{{ charge.amount|money }}</td>
          <td class="text-end">{{ charge.tax_amount|money }}</td>
          <td class="text-end">{% if can_reverse and not charge.reversal_of_id and not charge.reversal %}
            <form class="d-flex gap-1" method="post" action="{% url 'charge_reverse' charge.pk %}" data-confirm="Reverse this charge?">{% csrf_token %}{% submission_field %}<input class="form-control form-control-sm" name="reason" placeholder="Reason" required maxlength="150"><button class="btn btn-sm btn-outline-danger" type="submit">Reverse</button></form>
          {% elif charge.reversal %}<span class="badge text-bg-secondary">reversed</span>{% endif %}</td>
        </tr>
        {% empty %}<tr><td colspan="7" class="text-body-secondary">No charges.</td></tr>{% endfor %}"""
CHARGE_ROWS_NOW = (
    "{% charge_rows page can_reverse %}{% if not page %}"
    '<tr><td colspan="7" class="text-body-secondary">No charges.</td></tr>{% endif %}'
)
INVOICE_STATUS = """<span class="badge {% if invoice.status == 'draft' %}text-bg-secondary{% elif invoice.status == 'void' %}text-bg-dark{% elif invoice.status == 'paid' %}text-bg-success{% elif invoice.status == 'credited' or invoice.status == 'refunded' %}text-bg-info{% else %}text-bg-primary{% endif %}" data-testid="invoice-status">{{ invoice.get_status_display }}</span>
"""


def _tokens_masked(html: str) -> str:
    """The one-time submission tokens (a new one each form) as one stand-in."""
    return re.sub(r'name="submission" value="[0-9a-f-]{36}"', 'name="submission" value="…"', html)


def test_the_account_charge_rows_are_the_html_the_template_wrote(staff):
    patient = PatientFactory()
    taxed = ChargeItemFactory(code="NURS-<X>", price=Decimal("1234.50"), tax_rate=Decimal("16"))
    posted = timezone.now().replace(hour=22, minute=30)  # after 21:00 UTC: another day in Nairobi
    charges = [
        ChargeFactory(patient=patient, item=taxed, quantity=Decimal("2.50"), posted_at=posted),
        ChargeFactory(patient=patient, description="Dressing & <care>", quantity=Decimal("3")),
        ChargeFactory(patient=patient, quantity=Decimal("0.25")),
    ]
    ChargeFactory(
        patient=patient,
        item=charges[2].item,
        quantity=Decimal("-0.25"),
        reversal_of=charges[2],
        description="Reversal",
    )
    page = list(
        Charge.objects.filter(patient=patient)
        .select_related("item", "reversal")
        .order_by("-posted_at", "-id")
    )

    written = []
    for can_reverse in (True, False):
        for rows in (page, []):
            context = {"page": rows, "can_reverse": can_reverse, "csrf_token": "t0k3n"}
            old = Template("{% load billing_rows %}" + CHARGE_ROWS).render(Context(context))
            new = Template("{% load billing_rows %}" + CHARGE_ROWS_NOW).render(Context(context))
            written.append(new)
            assert _tokens_masked(new) == _tokens_masked(old)
    assert written[0].count("Reverse this charge?") == 2 and "reversed" in written[0]
    assert "Reverse this charge?" not in written[2] and "No charges." in written[3]


def test_the_invoice_status_badge_is_the_html_the_include_wrote(staff):
    for status in InvoiceStatus.values:
        invoice = Invoice(status=status)
        context = Context({"invoice": invoice})

        old = Template(INVOICE_STATUS).render(context)
        new = Template("{% load billing_rows %}{% invoice_status invoice %}").render(context)

        assert new == old, status
