"""The formulary's, the stock levels' and an item's ledger rows are written out in Python
(pharmacy/templatetags/pharmacy_rows.py) from rows read as dicts: the same HTML the templates
wrote from the model instances, to the character, whatever the items hold."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from pharmacy import formulary_selectors, selectors
from pharmacy.models import FormularyItem, StockMovement
from tests.factories import (
    BatchFactory,
    FormularyItemFactory,
    StoreFactory,
    UserFactory,
)
from tests.pharmacy.rx import stocked

pytestmark = pytest.mark.django_db

# The templates' loops the tags replaced, as they were.
FORMULARY_ROWS = '{% for item in items %}\n  <tr data-testid="formulary-row"{% if not item.active %} class="text-body-secondary"{% endif %}>\n    <td><a class="fw-semibold" href="{% url \'formulary_edit\' item.pk %}">{{ item.generic_name }}</a>{% if item.brand %} <span class="text-body-secondary">({{ item.brand }})</span>{% endif %}\n      <div class="small text-body-secondary"><code>{{ item.charge_item.code }}</code> · {{ item.get_category_display }}{% if not item.active %} · <span class="badge text-bg-secondary">Switched off</span>{% endif %}</div></td>\n    <td>{{ item.get_form_display }}</td>\n    <td>{{ item.strength|default:"—" }}</td>\n    <td>{{ item.dispensing_unit }}</td>\n    <td class="text-end">{{ item.pack_size|intcomma }}</td>\n    <td class="text-end text-nowrap">{{ item.charge_item.price|money }}</td>\n    <td class="text-end">{{ item.charge_item.tax_rate|floatformat:"-2" }} %</td>\n    <td class="text-end">{{ item.reorder_level|intcomma }}</td>\n    <td class="text-end text-nowrap" data-testid="on-hand">{{ item.on_hand|intcomma }}{% if item.active and item.on_hand < item.reorder_level %} <span class="badge text-bg-warning" title="Below the reorder level">Reorder</span>{% endif %}</td>\n  </tr>\n  {% endfor %}'
STOCK_LEVEL_ROWS = '{% for item in page %}\n  <tr data-testid="stock-row">\n    <td><a class="fw-semibold" href="{% url \'stock_item\' item.pk %}">{{ item.name }}</a><div class="small text-body-secondary">{{ item.dispensing_unit }}</div></td>\n    {% for units in item.figures %}<td class="text-end">{{ units }}</td>{% endfor %}\n    <td class="text-end fw-semibold">{{ item.usable }}{% if item.usable < item.reorder_level %} <span class="badge text-bg-danger" data-testid="below-reorder">Low</span>{% endif %}</td>\n    <td class="text-end text-body-secondary">{{ item.reorder_level }}</td>\n  </tr>\n  {% endfor %}'

ITEM_LEDGER_ROWS = '{% for move in page %}\n  <tr><td>{{ move.moved_at|date:"DATETIME_FORMAT" }}</td><td>{{ move.store.name }}</td><td>{{ move.get_kind_display }}</td><td><code>{{ move.batch.batch_number }}</code></td><td class="text-end">{{ move.quantity|stringformat:"+d" }}</td><td>{{ move.moved_by.get_full_name|default:move.moved_by.username }}</td><td>{{ move.reason }}</td></tr>\n  {% empty %}<tr><td colspan="7" class="text-body-secondary">No movement yet.</td></tr>{% endfor %}'
NAIROBI = ZoneInfo("Africa/Nairobi")


def _render(source: str, **context) -> str:
    return Template("{% load humanize pharmacy_rows %}" + source).render(Context(context))


def _items() -> None:
    """Items of every kind the rows tell apart: a brand or none, a strength or none, switched
    off, below or above the reorder level, tax with places, large figures, text to escape."""
    plain = FormularyItemFactory(generic_name='Para<b>cet</b>amol "A" & Co', brand="")
    plain.charge_item.price = Decimal("1234.50")
    plain.charge_item.tax_rate = Decimal("16.00")
    plain.charge_item.save()
    stocked(plain, units=(2500, 40), days=(200, -3))
    branded = FormularyItemFactory(
        generic_name="Amoxicillin", brand="Amoxil <x>", strength="", form="capsule"
    )
    branded.charge_item.tax_rate = Decimal("7.50")
    branded.charge_item.save()
    stocked(branded, units=(30,))
    FormularyItemFactory(generic_name="Old drug", active=False, pack_size=12000)
    FormularyItemFactory(generic_name="Gauze", form="supply", category="supply", reorder_level=0)


def test_the_formulary_rows_are_the_html_the_template_wrote():
    _items()
    items = list(formulary_selectors.formulary_items({}))
    rows, count = formulary_selectors.formulary_rows({}, number=1, per_page=50)

    ours = _render("{% formulary_rows items %}", items=rows)

    assert ours == _render(FORMULARY_ROWS, items=items)
    assert count == 4
    assert ours.count('data-testid="formulary-row"') == 4
    assert "Reorder</span>" in ours and "Switched off" in ours and "12,000" in ours


@pytest.mark.parametrize(
    "filters",
    [
        {"category": "supply"},
        {"form": "capsule"},
        {"active": "no"},
        {"active": "yes", "category": "drug", "form": "tablet"},
        {"q": "amox"},
        {"q": "zzz"},
    ],
)
def test_the_formulary_rows_of_a_filtered_list_are_the_rows_django_reads(filters):
    _items()
    items = list(formulary_selectors.formulary_items(filters))

    rows, count = formulary_selectors.formulary_rows(filters, number=1, per_page=50)

    assert _render("{% formulary_rows items %}", items=list(rows)) == _render(
        FORMULARY_ROWS, items=items
    )
    assert count in (len(items), None)


def test_a_later_page_of_the_formulary_is_read_by_django_and_counted_by_the_view():
    _items()
    rows, count = formulary_selectors.formulary_rows({}, number=2, per_page=3)

    assert count is None
    assert [row["generic_name"] for row in rows][3:] == ['Para<b>cet</b>amol "A" & Co']


def _old_stock_levels(stores: list) -> list:
    """The rows the stock levels' template walked: items with their figures."""
    page = list(selectors.stock_levels(stores=stores))
    for item in page:
        item.figures = [getattr(item, f"at_{store.pk}", 0) for store in stores]
    return page


def test_the_stock_level_rows_are_the_html_the_template_wrote():
    StoreFactory(name="Main <store>", kind="main")
    _items()
    stores = selectors.active_stores()
    page = _old_stock_levels(stores)
    rows, count = selectors.stock_level_rows(
        stores=stores, q="", low_only=False, number=1, per_page=50
    )

    ours = _render("{% stock_level_rows page %}", page=rows)

    assert ours == _render(STOCK_LEVEL_ROWS, page=page)
    assert count == FormularyItem.objects.filter(active=True).count()
    assert ours.count('data-testid="stock-row"') == count
    assert 'data-testid="below-reorder"' in ours and "2500" in ours


@pytest.mark.parametrize(
    ("q", "low_only", "number"), [("amox", False, 1), ("", True, 1), ("", False, 2)]
)
def test_a_search_low_stock_and_a_later_page_are_read_by_django(q, low_only, number):
    StoreFactory(name="Main <store>", kind="main")
    _items()
    stores = selectors.active_stores()
    old = list(selectors.stock_levels(stores=stores, q=q, low_only=low_only))
    for item in old:
        item.figures = [getattr(item, f"at_{store.pk}", 0) for store in stores]

    rows, count = selectors.stock_level_rows(
        stores=stores, q=q, low_only=low_only, number=number, per_page=50
    )

    ours = _render("{% stock_level_rows page %}", page=selectors.with_figures(rows, stores))
    assert ours == _render(STOCK_LEVEL_ROWS, page=old)
    assert count == (None if low_only else len(old))


def test_an_items_ledger_rows_are_the_html_the_template_wrote():
    item = FormularyItemFactory(generic_name="Amoxicillin")
    store = StoreFactory(name="Main <store> & co", kind="main")
    batch = BatchFactory(item=item, batch_number="B<1>&2")
    named = UserFactory(role="pharmacist", first_name="Asha", last_name="O'Neil <x>")
    unnamed = UserFactory(role="pharmacist", first_name="", last_name="", username="keeper_1")
    # Late evening in UTC is the next morning in Nairobi: the day shown is the hospital's.
    for kind, quantity, user, reason, at in [
        ("receipt", 40, named, 'Order "7" <urgent>', datetime(2026, 3, 1, 22, 30, tzinfo=UTC)),
        ("adjustment", -3, unnamed, "", datetime(2026, 11, 30, 9, 5, tzinfo=NAIROBI)),
        ("write_off", -2, named, "Expired", datetime(2026, 11, 30, 9, 6, tzinfo=NAIROBI)),
    ]:
        StockMovement.objects.create(
            store=store,
            batch=batch,
            item=item,
            kind=kind,
            quantity=quantity,
            moved_by=user,
            reason=reason,
            moved_at=at,
        )
    page = list(
        StockMovement.objects.filter(item=item)
        .select_related("store", "batch", "moved_by")
        .order_by("-moved_at", "-id")
    )

    ours = _render("{% item_ledger_rows page %}", page=list(selectors.item_history(item)))

    assert ours == _render(ITEM_LEDGER_ROWS, page=page)
    assert ours == _render(
        "{% item_ledger_rows page %}", page=selectors.item_history_first_rows(item)
    )
    assert ours.count("<tr>") == 3
    assert "+40" in ours and "-3" in ours and "keeper_1" in ours and "2 Mar 2026 01:30" in ours
    assert _render("{% item_ledger_rows page %}", page=[]) == _render(ITEM_LEDGER_ROWS, page=[])
