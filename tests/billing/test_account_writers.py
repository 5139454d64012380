"""The account page's tabs, sidebar lists and side forms, and the outstanding list's age cards,
are written in Python (billing/templatetags/billing_rows.py, account_forms.py): the same HTML the
template loops and `|crispy` wrote, whatever a name holds."""

import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import timezone

from billing import selectors
from billing.forms import DepositForm, ManualChargeForm, PaymentForm
from billing.models import PAYMENT_MODES, AdvanceDeposit, Invoice
from billing.templatetags import account_forms
from hms.templatetags.form_fields import as_crispy_form
from tests.factories import ChargeItemFactory, PatientFactory

pytestmark = pytest.mark.django_db

# The loops the tags replaced, as they were.
TABS = '{% for key, label, count in tabs %}<li class="nav-item"><a class="nav-link{% if key == showing %} active{% endif %}"{% if key == showing %} aria-current="page"{% endif %} href="?show={{ key }}">{{ label }} <span class="badge text-bg-light border">{{ count }}</span></a></li>{% endfor %}'
SIDEBAR_INVOICES = """{% for invoice in invoices %}<li class="py-1 border-bottom d-flex justify-content-between"><a href="{% url 'invoice_detail' invoice.pk %}">{{ invoice }}</a><span>{% invoice_status invoice %} {% if invoice.status != "draft" %}{{ invoice.total|money }}{% endif %}</span></li>{% empty %}<li class="text-body-secondary">None yet.</li>{% endfor %}"""
SIDEBAR_DEPOSITS = '{% for advance in advances %}<li class="py-1 border-bottom"><a href="{{ advance|deposit_receipt_url }}" target="_blank" rel="noopener">{{ advance.receipt_number }}</a> · {{ advance.amount|money }} ({{ advance.get_mode_display }}) · {{ advance.available|money }} left</li>{% endfor %}'
AGING_CARDS = """{% for row in figures.buckets %}
  <div class="col-6 col-lg-3"><a class="card text-decoration-none h-100{% if row.bucket.key == age %} border-primary border-2{% endif %}" href="?age={{ row.bucket.key|urlencode }}" data-testid="aging-{{ row.bucket.key }}"{% if row.bucket.key == age %} aria-current="true"{% endif %}><div class="card-body"><div class="text-body-secondary">{{ row.bucket.label }}</div><div class="fs-4 fw-semibold" data-testid="aging">{{ row.balance|money }}</div><div class="small">{{ row.count }} invoice{{ row.count|pluralize }}</div></div></a></div>
  {% endfor %}"""


def _render(source: str, **context) -> str:
    return Template("{% load billing_rows %}" + source).render(Context(context))


def _documents_masked(html: str) -> str:
    """The signed documents' links (a signature each time) as one stand-in."""
    return re.sub(r"/billing/documents/[^/\"]+/", "/billing/documents/…/", html)


def test_the_tabs_are_the_html_the_loop_wrote():
    tabs = [
        ("charges", "Charges", 12345),
        ("invoices", "Invoices & <more>", 1),
        ("credit-notes", "Credit notes", 0),
        ("deposits", "Advance deposits", 7),
    ]
    for showing in ["charges", "invoices", "deposits", "none"]:
        old = _render(TABS, tabs=tabs, showing=showing)

        new = _render("{% account_tabs tabs showing %}", tabs=tabs, showing=showing)

        assert new == old, showing


def test_the_sidebar_invoices_are_the_html_the_loop_wrote(staff):
    patient = PatientFactory(first_name="Zoé", last_name="<script>&")
    invoices = [
        Invoice(pk=901, patient=patient, status=status, number=number, total=total)
        for status, number, total in [
            ("draft", None, Decimal("0")),
            ("void", None, Decimal("0")),
            ("issued", "INV-2026-000001", Decimal("12500.50")),
            ("partially_paid", "INV-<2>&", Decimal("1000")),
            ("paid", "INV-3", Decimal("0.10")),
        ]
    ]

    for shown in (invoices, []):
        old = _render(SIDEBAR_INVOICES, invoices=shown)

        new = _render("{% sidebar_invoices invoices %}", invoices=shown)

        assert new == old


def test_the_sidebar_deposits_are_the_html_the_loop_wrote(staff):
    patient = PatientFactory()
    advances = [
        AdvanceDeposit(
            pk=pk,
            patient=patient,
            amount=Decimal(amount),
            applied=Decimal(applied),
            refunded=Decimal(refunded),
            mode=mode,
            receipt_number=number,
            received_at=timezone.now(),
        )
        for pk, amount, applied, refunded, mode, number in [
            (1, "1500.00", "0", "0", "cash", "DEP-1"),
            (2, "20000.50", "12000", "500.25", "mpesa", "DEP-<2>&"),
        ]
    ]

    for shown in (advances, []):
        old = _render(SIDEBAR_DEPOSITS, advances=shown)

        new = _render("{% sidebar_deposits advances %}", advances=shown)

        assert _documents_masked(new) == _documents_masked(old)
    assert "DEP-&lt;2&gt;&amp;" in new or not shown


def test_the_aging_cards_are_the_html_the_loop_wrote():
    figures = selectors.Outstanding(
        count=3,
        total=Decimal("4500"),
        buckets=[
            {"bucket": bucket, "count": count, "balance": Decimal(balance)}
            for bucket, count, balance in zip(
                selectors.AGE_BUCKETS, [1, 0, 2, 12345], ["1500", "0", "3000.5", "99"], strict=True
            )
        ],
    )
    for age in ["", "0-30", "90+", "bogus"]:
        old = _render(AGING_CARDS, figures=figures, age=age)

        new = _render("{% aging_cards figures.buckets age %}", figures=figures, age=age)

        assert new == old, age


def test_the_kept_deposit_form_is_crispys(staff):
    for amount in [None, Decimal("1500"), Decimal("1500.50")]:
        initial = {} if amount is None else {"amount": amount}
        written = as_crispy_form(DepositForm(initial=initial))

        kept = account_forms.blank_deposit_form(amount)
        again = account_forms.blank_deposit_form(amount)

        assert kept == written
        assert again is kept  # written once


def test_the_kept_charge_form_is_crispys_and_follows_the_services(staff):
    ChargeItemFactory(code="NURS-1", name="Dressing & <care>", category="nursing")
    ChargeItemFactory(code="MISC-1", name="Meals", category="misc")
    ChargeItemFactory(code="LAB-1", name="Not offered", category="lab")

    kept = account_forms.blank_manual_charge_form()

    assert kept == as_crispy_form(ManualChargeForm())
    assert "Dressing &amp; &lt;care&gt;" in kept and "Not offered" not in kept

    ChargeItemFactory(code="NURS-2", name="Injection", category="nursing")

    changed = account_forms.blank_manual_charge_form()

    assert changed == as_crispy_form(ManualChargeForm())
    assert "Injection" in changed


def test_a_refused_side_form_is_written_as_typed(staff):
    form = DepositForm({"amount": "abc", "mode": "cash"})
    form.is_valid()
    context = {"deposit_form": form, "deposit_asked": None}

    html = Template(
        "{% load account_forms %}{% deposit_fields deposit_form deposit_asked %}"
    ).render(Context(context))

    assert html == as_crispy_form(form)
    assert 'value="abc"' in html


# The invoice page's lines and "Paid by" options, as the template wrote them.
INVOICE_LINES = """      {% regroup lines by category as groups %}
      {% for group in groups %}
        <tr class="table-light"><th colspan="{% if figures.discount %}6{% else %}5{% endif %}">{{ group.grouper }}</th></tr>
        {% for line in group.list %}
        <tr><td>{{ line.description }} <span class="small text-body-secondary">{{ line.code }}</span></td><td class="text-end">{{ line.quantity }}</td><td class="text-end">{{ line.unit_price|money }}</td><td class="text-end">{{ line.amount|money }}</td>{% if figures.discount %}<td class="text-end">−{{ line.discount|default:"0"|money }}</td>{% endif %}<td class="text-end">{{ line.tax|money }}</td></tr>
        {% endfor %}
      {% empty %}<tr><td colspan="6" class="text-body-secondary">No lines.</td></tr>
      {% endfor %}"""
MODE_OPTIONS = '{% for value, label in modes %}<option value="{{ value }}"{% if pay_form.data.mode == value %} selected{% endif %}>{{ label }}</option>{% endfor %}'


def test_the_invoice_lines_are_the_html_the_template_wrote():
    frozen = [  # an issued invoice's lines: JSON, amounts as text
        {
            "category": "Ward",
            "description": "Bed day",
            "code": "WARD-1",
            "quantity": "3",
            "unit_price": "2500.00",
            "amount": "7500.00",
            "discount": "750.00",
            "tax": "0.00",
        },
        {
            "category": "Ward",
            "description": "Meals & <snacks>",
            "code": "W<2>",
            "quantity": "1.5",
            "unit_price": "100",
            "amount": "150",
            "discount": "0.00",
            "tax": "24.00",
        },
        {
            "category": "Lab",
            "description": "FBC",
            "code": "LAB-1",
            "quantity": "1",
            "unit_price": "800",
            "amount": "800",
            "tax": "0",
        },
        {
            "category": "Ward",
            "description": "Bed day",
            "code": "WARD-1",
            "quantity": "1",
            "unit_price": "2500.00",
            "amount": "2500.00",
            "discount": None,
            "tax": "0.00",
        },
    ]
    draft = [  # a draft's lines: figures as numbers
        {
            "category": "Nursing",
            "description": "Dressing",
            "code": "N-1",
            "quantity": Decimal("2.50"),
            "unit_price": Decimal("1234.5"),
            "amount": Decimal("3086.25"),
            "discount": Decimal("0"),
            "tax": Decimal("493.80"),
        },
        {"description": "No category", "quantity": 2, "amount": Decimal("1")},
    ]
    for lines in (frozen, draft, []):
        for discount in (Decimal("0"), Decimal("750.00")):
            context = {"lines": lines, "figures": {"discount": discount}}

            old = _render(INVOICE_LINES, **context)
            new = _render("      {% invoice_line_rows lines figures.discount %}", **context)

            assert new == old


def test_the_payment_modes_are_the_options_the_loop_wrote():
    refused = PaymentForm(QueryDict("amount=x&mode=mpesa&mode=card"))
    for pay_form in (None, refused, PaymentForm(QueryDict("amount=1"))):
        context = {"modes": PAYMENT_MODES, "pay_form": pay_form}

        old = _render(MODE_OPTIONS, **context)
        new = _render("{% payment_mode_options modes pay_form %}", **context)

        assert new == old
    assert "selected" in _render(
        "{% payment_mode_options modes pay_form %}", modes=PAYMENT_MODES, pay_form=refused
    )
