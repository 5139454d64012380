"""The outstanding list's rows are written out in Python (billing/templatetags/billing_rows.py):
the same HTML the template wrote, for every kind of figure, whatever a name holds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from billing import selectors
from billing.models import Invoice
from tests.factories import PatientFactory

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
