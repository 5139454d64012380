"""The stock pages' menu, an item's batches, the formulary's filter options, the
prescriber's search and the dispense screen's prescription and shelf are written in Python
(pharmacy/templatetags: stock_pages.py, pharmacy_rows.py, dispense_pages.py): the same HTML, character for character, as the template markup they replaced
(kept frozen here), for every role and whatever a name holds."""

import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from hms import rbac
from pharmacy import formulary_selectors, selectors
from pharmacy.dispensing_selectors import usable_batches
from pharmacy.formulary_forms import ACTIVE_CHOICES
from pharmacy.models import ItemCategory, ItemForm
from tests.factories import (
    BatchFactory,
    FormularyItemFactory,
    StoreFactory,
    UserFactory,
    stock_put,
)
from tests.pharmacy.rx import prescribed, stocked

pytestmark = pytest.mark.django_db

# templates/pharmacy/stock/_nav.html, as it was (included by every stock page), its last
# line ending included.
STOCK_NAV = (
    '{% if user|can:"pharmacy.stock_move:all" %}<nav class="nav nav-pills flex-wrap gap-1 mb-3" aria-label="Stores">\n'
    "  <a class=\"nav-link{% if here == 'levels' %} active{% endif %}\" href=\"{% url 'stock_levels' %}\">Stock levels</a>\n"
    "  <a class=\"nav-link{% if here == 'receipts' %} active{% endif %}\" href=\"{% url 'receipt_list' %}\">Receipts</a>\n"
    "  <a class=\"nav-link{% if here == 'transfers' %} active{% endif %}\" href=\"{% url 'transfer_list' %}\">Transfers</a>\n"
    "  <a class=\"nav-link{% if here == 'counts' %} active{% endif %}\" href=\"{% url 'stock_take_list' %}\">Stock takes</a>\n"
    "  <a class=\"nav-link{% if here == 'stores' %} active{% endif %}\" href=\"{% url 'store_list' %}\">Stores and suppliers</a>\n"
    '  {% if user|can:"pharmacy.reports" %}<a class="nav-link{% if here == \'reports\' %} active{% endif %}" href="{% url \'stock_reports\' %}">Reports</a>{% endif %}\n'
    '</nav>{% elif user|can:"pharmacy.stock_move" %}<nav class="nav nav-pills mb-3" aria-label="Stores"><a class="nav-link{% if here == \'levels\' %} active{% endif %}" href="{% url \'stock_levels\' %}">Stock levels</a><a class="nav-link{% if here == \'wards\' %} active{% endif %}" href="{% url \'ward_stores\' %}">Ward stores</a></nav>{% endif %}\n'
)
# templates/pharmacy/stock/item.html's loop over the item's batches, as it was.
BATCH_ROWS = (
    "{% for row in batches %}\n"
    '  <tr{% if row.expired %} class="table-danger"{% endif %} data-testid="batch-row">\n'
    "    <td>{{ row.store.name }}</td>\n"
    "    <td><code>{{ row.batch.batch_number }}</code></td>\n"
    '    <td>{{ row.expiry_date|date }}{% if row.expired %} <span class="badge text-bg-danger">Expired: never dispensed</span>{% endif %}</td>\n'
    '    <td class="text-end">{{ row.quantity }}</td>\n'
    '    {% if user|can:"pharmacy.stock_move:all" %}<td class="text-end">\n'
    '      {% if row.expired %}<form method="post" action="{% url \'stock_write_off\' row.batch_id %}" class="d-inline">{% csrf_token %}{% submission_field %}<input type="hidden" name="store" value="{{ row.store_id }}"><button class="btn btn-outline-danger" type="submit" data-testid="write-off">Write off {{ row.quantity }}</button></form>{% endif %}\n'
    '      <a class="btn btn-outline-secondary" href="{% url \'stock_adjust\' row.batch_id %}">Adjust</a>\n'
    "    </td>{% endif %}\n"
    "  </tr>\n"
    '  {% empty %}<tr><td colspan="5" class="text-body-secondary">None in any store.</td></tr>{% endfor %}'
)
# templates/pharmacy/formulary/list.html's options of a filter, as they were.
OPTIONS = (
    '{% for value, label in choices %}<option value="{{ value }}"{% if value == chosen %}'
    " selected{% endif %}>{{ label }}</option>{% endfor %}"
)
# templates/pharmacy/formulary/_pick.html's loop over the items found, as it was.
PICK_BUTTONS = (
    "{% for item in found %}\n"
    '    <button type="button" class="list-group-item list-group-item-action d-flex justify-content-between align-items-center gap-2 py-2" data-testid="pick-item"\n'
    '            data-pick-item="{{ item.pk }}" data-drug="{{ item.generic_name }}{% if item.brand %} ({{ item.brand }}){% endif %}" data-strength="{{ item.strength }}" data-form="{{ item.form }}" data-unit="{{ item.dispensing_unit }}">\n'
    '      <span><strong>{{ item.generic_name }}</strong>{% if item.brand %} ({{ item.brand }}){% endif %} {{ item.strength }} <span class="text-body-secondary">{{ item.get_form_display|lower }}</span>{% if item.allergy %} <span class="d-block text-danger fw-semibold small" data-testid="pick-allergy"><i class="bi bi-exclamation-octagon-fill" aria-hidden="true"></i> Allergy: {{ item.allergy }}</span>{% endif %}</span>\n'
    '      {% if item.in_stock > 0 %}<span class="badge text-bg-success text-nowrap">{{ item.in_stock|intcomma }} in stock</span>{% else %}<span class="badge text-bg-secondary text-nowrap">Out of stock</span>{% endif %}\n'
    "    </button>\n"
    "    {% empty %}\n"
    '    <div class="list-group-item text-body-secondary" data-testid="pick-none">Nothing in the formulary matches “{{ text }}”. If the hospital does not stock it, tick “Not stocked here”.</div>\n'
    "    {% endfor %}"
)
# templates/pharmacy/dispensing/dispense.html's rows of the prescription as written, and its
# loop over the batches on the shelf, as they were.
AS_WRITTEN = (
    '        <dt class="col-5">Medicine</dt><dd class="col-7">{{ prescription.drug }} {{ prescription.strength }}</dd>\n'
    '        <dt class="col-5">Dose</dt><dd class="col-7">{{ prescription.dose }}</dd>\n'
    '        <dt class="col-5">Route</dt><dd class="col-7">{{ prescription.get_route_display }}</dd>\n'
    '        <dt class="col-5">How often</dt><dd class="col-7">{{ prescription.frequency }}</dd>\n'
    '        <dt class="col-5">For</dt><dd class="col-7">{{ prescription.duration }}</dd>\n'
    '        {% if prescription.instructions %}<dt class="col-5">Instructions</dt><dd class="col-7">{{ prescription.instructions }}</dd>{% endif %}\n'
    '        <dt class="col-5">Prescribed by</dt><dd class="col-7">Dr {{ prescription.doctor.get_full_name|default:prescription.doctor }}, {{ prescription.created_at|date:"d M Y H:i" }}</dd>\n'
    '        <dt class="col-5">Quantity</dt><dd class="col-7">{{ prescription.quantity|units:prescription.formulary_item.dispensing_unit }}</dd>\n'
    '        <dt class="col-5">Left to give</dt><dd class="col-7 fw-semibold" data-testid="left">{{ prescription.to_dispense }}{% if prescription.dispensed_quantity %} <span class="text-body-secondary fw-normal">({{ prescription.dispensed_quantity }} given)</span>{% endif %}</dd>\n'
)
SHELF_ROWS = (
    '{% for balance in balances %}<tr><td>{{ balance.batch.batch_number }}{% if forloop.first %} <span class="badge text-bg-success">FEFO</span>{% endif %}</td><td>{{ balance.expiry_date|date:"d M Y" }}</td><td class="text-end">{{ balance.quantity }}</td></tr>\n'
    '        {% empty %}<tr><td colspan="3" class="text-danger" data-testid="no-stock">None in stock (expired batches are never offered). Search for a substitute.</td></tr>{% endfor %}'
)

HERE = ["", "levels", "receipts", "transfers", "counts", "stores", "reports", "wards"]
# The one-time form token differs on every call.
_TOKEN = re.compile(r'name="submission" value="[^"]+"')


def _render(source: str, **context) -> str:
    page = Template(
        "{% load humanize pharmacy_rows stock_pages dispense_pages pharmacy_units %}" + source
    ).render(Context(context))
    return _TOKEN.sub('name="submission" value="TOKEN"', page)


@pytest.mark.parametrize("role", rbac.ROLES)
def test_the_stores_menu_is_the_html_the_template_wrote_for_every_role_and_page(role):
    user = UserFactory(role=role)

    for here in HERE:
        ours = _render("{% stock_nav here %}", user=user, here=here)

        assert ours == _render(STOCK_NAV, user=user, here=here)
    assert _render("{% stock_nav %}", user=user) == _render(STOCK_NAV, user=user)


def _batches(expired_too: bool = True) -> list:
    item = FormularyItemFactory(generic_name="Amoxicillin")
    stocked(item, units=(40,), store=StoreFactory(name='Main <store> & "co"', kind="main"))
    stocked(item, units=(7, 3), days=(30, -2))
    if expired_too:
        BatchFactory(item=item, batch_number="B<1>&'2", expiry_date=timezone.localdate())
    return selectors.item_batches(item)


@pytest.mark.parametrize("role", [rbac.PHARMACIST, rbac.ADMIN, rbac.NURSE, rbac.ACCOUNTANT])
def test_an_items_batch_rows_are_the_html_the_template_wrote(role):
    user = UserFactory(role=role)
    rows = _batches()
    csrf = {"csrf_token": "abc<&>123"}

    ours = _render("{% item_batch_rows batches %}", user=user, batches=rows, **csrf)

    assert ours == _render(BATCH_ROWS, user=user, batches=rows, **csrf)
    assert ours.count('data-testid="batch-row"') == 3
    assert ours.count("Expired: never dispensed") == 1
    moves = rbac.allows(user, "pharmacy.stock_move", scopes=[rbac.ALL])
    assert ("write-off" in ours) is moves and ("abc&lt;&amp;&gt;123" in ours) is moves


def test_an_items_batch_rows_without_a_token_or_batches_are_the_html_the_template_wrote():
    user = UserFactory(role=rbac.PHARMACIST)
    rows = _batches()

    for token in ("", None):
        context = {"user": user, "batches": rows, "csrf_token": token}
        assert _render("{% item_batch_rows batches %}", **context) == _render(BATCH_ROWS, **context)
    assert _render("{% item_batch_rows batches %}", user=user, batches=[]) == _render(
        BATCH_ROWS, user=user, batches=[]
    )


@pytest.mark.parametrize(
    "choices",
    [ItemCategory.choices, ItemForm.choices, ACTIVE_CHOICES, [("a&b", "<x> \"y\" 'z'")], []],
)
def test_a_filters_options_are_the_html_the_template_wrote(choices):
    for chosen in ["", *(value for value, _ in choices), "other"]:
        context = {"choices": choices, "chosen": chosen}

        assert _render("{% choice_options choices chosen %}", **context) == _render(
            OPTIONS, **context
        )


def _found(text: str) -> list:
    found = formulary_selectors.items_to_prescribe(text)
    for n, item in enumerate(found):
        item.allergy = ["", 'Penicillins <severe> & "more"'][n % 2]
    return found


@pytest.mark.parametrize("text", ["amo", "AMOX", "<b>", "%", "_", "zzz", "o"])
def test_the_prescribers_search_is_the_html_the_template_wrote(text):
    FormularyItemFactory(generic_name="Amoxicillin", brand="Amoxil <b>", form="capsule")
    FormularyItemFactory(generic_name="Co-amoxiclav 100%", brand="", strength="")
    FormularyItemFactory(generic_name="Gauze_roll", form="supply", category="supply")
    stocked(FormularyItemFactory(generic_name="Paramol \"A\" & 'B'"), units=(2500,))
    found = _found(text)
    context = {"found": found, "text": text}

    ours = _render("{% pick_buttons found text %}", **context)

    assert ours == _render(PICK_BUTTONS, **context)
    assert ours.count('data-testid="pick-item"') == len(found)


def test_the_prescribers_search_finds_what_icontains_finds_names_beginning_with_it_first():
    names = ["Sulfadoxine-para", "Paracetamol", "Codeine + PARACETAMOL", "Ibuprofen"]
    for name in names:
        FormularyItemFactory(generic_name=name)
    FormularyItemFactory(generic_name="Zinc", brand="Parazinc")
    FormularyItemFactory(generic_name="Parafin", active=False)

    found = formulary_selectors.items_to_prescribe(" para ")

    assert [item.generic_name for item in found] == [
        "Paracetamol",
        "Zinc",
        "Codeine + PARACETAMOL",
        "Sulfadoxine-para",
    ]
    assert found.count == 4 and not found.cut
    assert formulary_selectors.items_to_prescribe("").count == 0


def test_the_prescribers_search_shows_the_first_ten_and_counts_them_all():
    for n in range(12):
        FormularyItemFactory(generic_name=f"Bulkamol {n:02d}")

    found = formulary_selectors.items_to_prescribe("bulk")

    assert found.shown == 10 and found.count == 12 and found.cut


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"instructions": 'After food <b>&</b> "water"', "dispensed_quantity": 4},
        {"route": "iv", "dispensed_quantity": 9},
        {"units": 1},
        {"dispensed_quantity": 10},
    ],
)
def test_the_prescription_as_written_is_the_html_the_template_wrote(fields):
    item = FormularyItemFactory(generic_name="Amox<i>cillin", strength="250 mg & more")
    prescription = prescribed(item, fields.pop("units", 10), **fields)
    prescription.refresh_from_db()
    prescription.doctor.first_name, prescription.doctor.last_name = "O'Neil", "<Amina>"
    context = {"prescription": prescription}

    ours = _render("{% as_written prescription %}", **context)

    assert ours == _render(AS_WRITTEN, **context)
    prescription.doctor.first_name = prescription.doctor.last_name = ""
    assert _render("{% as_written prescription %}", **context) == _render(AS_WRITTEN, **context)


def test_the_batches_on_the_shelf_are_the_html_the_template_wrote():
    item = FormularyItemFactory()
    store = StoreFactory(name="Pharmacy", kind="pharmacy")
    stocked(item, units=(5, 9), days=(20, 300), store=store)
    BatchFactory(item=item, batch_number="B<1>&'2")
    stock_put(store, item.batches.get(batch_number="B<1>&'2"), 3, UserFactory(role="pharmacist"))
    balances = list(usable_batches(store, item))

    for shown in (balances, balances[:1], []):
        context = {"balances": shown}
        assert _render("{% shelf_rows balances %}", **context) == _render(SHELF_ROWS, **context)
    assert len(balances) == 3
