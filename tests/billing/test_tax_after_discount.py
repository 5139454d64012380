"""Tax after discount: the invoice's discount is spread over its lines to the cent, each line is
taxed on its discounted amount, and the lines always add up to the invoice's totals (issue 12)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from billing import documents, services, totals
from billing.models import CreditNote, Invoice
from hms.money import money, percent_of, spread
from tests.factories import PatientFactory

NHIF_80 = {
    "provider": "NHIF",
    "policy_number": "N1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


@pytest.fixture
def people(staff, charge_master):
    admin = staff.admin
    services.charge_item_save(
        actor=admin,
        code="MISC-VAT5",
        name="Taxed sundry",
        category="misc",
        charge_type="fixed",
        price=Decimal("200.00"),
        tax_rate=Decimal("5"),
        active=True,
    )
    return {
        "admin": admin,
        "desk": staff.receptionist,
        "accountant": staff.accountant,
    }


def draft_with(people, patient, *codes: str, discount: tuple[str, str] | None = None) -> Invoice:
    for code in codes:
        services.charge_post(actor=None, patient=patient, code=code)
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    if discount:
        services.invoice_set_discount(
            actor=people["accountant"],
            invoice=draft,
            kind=discount[0],
            value=Decimal(discount[1]),
            reason="Hardship",
        )
    return draft


def test_200_at_5_percent_tax_with_10_percent_off_is_taxed_on_180(people):
    draft = draft_with(
        people, PatientFactory(insurance=NHIF_80), "MISC-VAT5", discount=("percent", "10")
    )

    invoice = services.invoice_issue(actor=people["desk"], invoice=draft)

    assert (invoice.subtotal, invoice.discount_amount, invoice.tax_total, invoice.total) == (
        Decimal("200.00"),
        Decimal("20.00"),
        Decimal("9.00"),
        Decimal("189.00"),
    )
    assert (invoice.insurer_share, invoice.patient_share) == (Decimal("151.20"), Decimal("37.80"))
    (line,) = invoice.lines_snapshot
    assert (line["amount"], line["discount"], line["tax"], line["total"]) == (
        "200.00",
        "20.00",
        "9.00",
        "189.00",
    )


def test_a_discount_spread_over_three_lines_adds_up_to_the_cent_and_so_do_the_taxes(people):
    # 300.00 (16 % tax) + 200.00 (5 %) + 500.00 (no tax) = 1,000.00, less 100.01.
    draft = draft_with(
        people,
        PatientFactory(),
        "MISC-COPY",
        "MISC-VAT5",
        "NURS-DRESS",
        discount=("amount", "100.01"),
    )

    invoice = services.invoice_issue(actor=people["desk"], invoice=draft)

    lines = {row["code"]: row for row in invoice.lines_snapshot}
    # Exact shares 30.003, 20.002 and 50.005: the cent left over goes to the largest remainder.
    assert [lines[c]["discount"] for c in ("MISC-COPY", "MISC-VAT5", "NURS-DRESS")] == [
        "30.00",
        "20.00",
        "50.01",
    ]
    # 16 % of 270.00 = 43.20; 5 % of 180.00 = 9.00; nothing on the dressing.
    assert [lines[c]["tax"] for c in ("MISC-COPY", "MISC-VAT5", "NURS-DRESS")] == [
        "43.20",
        "9.00",
        "0.00",
    ]
    assert (invoice.discount_amount, invoice.tax_total, invoice.total) == (
        Decimal("100.01"),
        Decimal("52.20"),
        Decimal("952.19"),
    )
    assert sum(Decimal(r["total"]) for r in invoice.lines_snapshot) == invoice.total


def test_without_a_discount_each_line_keeps_the_tax_it_was_posted_with(people):
    draft = draft_with(people, PatientFactory(), "MISC-COPY", "MISC-VAT5")

    invoice = services.invoice_issue(actor=people["desk"], invoice=draft)

    assert [row["tax"] for row in invoice.lines_snapshot] == [
        str(c.tax_amount) for c in invoice.lines.order_by("category", "posted_at", "id")
    ]
    assert invoice.tax_total == Decimal("58.00")  # 48.00 + 10.00


def test_a_credit_note_on_a_discounted_taxed_line_credits_what_it_was_invoiced_at(people):
    # 200.00 at 5 % and a 500.00 dressing, 10 % off: the taxed line is 180.00 + 9.00.
    draft = draft_with(
        people, PatientFactory(), "MISC-VAT5", "NURS-DRESS", discount=("percent", "10")
    )
    invoice = services.invoice_issue(actor=people["desk"], invoice=draft)
    taxed = invoice.lines.get(item__code="MISC-VAT5")

    note = services.credit_note_issue(
        actor=people["accountant"], invoice=invoice, reason="Not given", charge_ids=[taxed.pk]
    )

    invoice.refresh_from_db()
    assert invoice.total == Decimal("639.00")  # 700.00 − 70.00 + 9.00
    assert note.amount == Decimal("189.00")
    assert (note.lines[0]["net"], note.lines[0]["tax"], note.lines[0]["total"]) == (
        "180.00",
        "9.00",
        "189.00",
    )
    assert invoice.balance == Decimal("450.00")
    with pytest.raises(services.BillingError, match="already been credited"):
        services.credit_note_issue(
            actor=people["accountant"], invoice=invoice, reason="Again", charge_ids=[taxed.pk]
        )
    assert CreditNote.objects.count() == 1


def test_the_printed_invoice_shows_the_discount_only_when_there_is_one(people):
    plain = services.invoice_issue(
        actor=people["desk"], invoice=draft_with(people, PatientFactory(), "MISC-VAT5")
    )
    discounted = services.invoice_issue(
        actor=people["desk"],
        invoice=draft_with(people, PatientFactory(), "MISC-VAT5", discount=("percent", "10")),
    )

    plain_html = documents.invoice_html(plain)
    discounted_html = documents.invoice_html(discounted)

    assert "Discount" not in plain_html and "−0.00" not in plain_html
    assert "Discount (Hardship)" in discounted_html and "−20.00" in discounted_html
    assert "9.00" in discounted_html and "189.00" in discounted_html


def test_the_draft_screen_shows_each_lines_discount_and_tax_after_it(people, client_for):
    plain = draft_with(people, PatientFactory(), "MISC-VAT5")
    discounted = draft_with(people, PatientFactory(), "MISC-VAT5", discount=("percent", "10"))
    desk = client_for(people["desk"])

    plain_page = desk.get(reverse("invoice_detail", args=[plain.pk])).content.decode()
    page = desk.get(reverse("invoice_detail", args=[discounted.pk])).content.decode()

    assert "Discount</th>" not in plain_page and "−0.00" not in plain_page
    assert "Discount</th>" in page and "−KES 20.00" in page and "9.00" in page and "189.00" in page


amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("50000"), places=2)
rates = st.sampled_from([Decimal("0"), Decimal("5"), Decimal("8"), Decimal("16")])


@given(
    lines=st.lists(st.tuples(amounts, rates), min_size=1, max_size=30),
    kind=st.sampled_from(["", "percent", "amount"]),
    value=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
)
def test_the_lines_always_add_up_to_the_totals(lines, kind, value):
    if kind == "percent":
        value = min(value, Decimal("100"))

    figures = totals.compute(lines=lines, discount_kind=kind, discount_value=value)

    assert sum((line.amount for line in figures.lines), Decimal(0)) == figures.subtotal
    assert sum((line.discount for line in figures.lines), Decimal(0)) == figures.discount
    assert sum((line.tax for line in figures.lines), Decimal(0)) == figures.tax
    assert sum((line.total for line in figures.lines), Decimal(0)) == figures.total
    for line in figures.lines:
        assert line.tax == percent_of(line.net, line.tax_rate)
        if figures.subtotal > 0:
            exact = figures.discount * line.amount / figures.subtotal
            assert abs(line.discount - exact) < Decimal("0.01")
        if line.amount >= 0 and figures.subtotal > 0:
            assert 0 <= line.discount <= line.amount


@given(
    amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
    over=st.lists(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("50000"), places=2), min_size=1
    ),
)
def test_spreading_money_loses_and_makes_no_cent(amount, over):
    shares = spread(amount, over)

    if sum(over) > 0:
        assert sum(shares, Decimal(0)) == money(amount)
    else:
        assert set(shares) == {Decimal("0.00")}
    assert all(share == money(share) and share >= 0 for share in shares)
