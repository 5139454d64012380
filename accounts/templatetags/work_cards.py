"""`{% work_cards work %}`: a staff home's "Your work", one card per screen the role may open.

The cards are the navigation's entries (hms.navigation.nav_for), fixed while the server runs, so
each set is written once and kept: the administrator's 30-odd cards cost the template language
about 3,500 calls of the dashboard's 20,000 (tests/bench/pages.py --profile).
tests/accounts/test_homes.py holds the markup to the template it replaced."""

import functools
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from hms.navigation import NavItem

register = template.Library()


def _card(item: NavItem) -> str:
    return (
        '  \n  <div class="col-12 col-md-6 col-xl-4">\n'
        f'    <a class="hms-card-link" href="{escape(item.href)}">\n'
        '      <div class="card h-100"><div class="card-body">\n'
        f'        <div class="h5"><i class="bi bi-{escape(item.icon)} text-primary me-2"'
        f' aria-hidden="true"></i>{escape(item.label)}</div>\n'
        f'        <div class="text-body-secondary">{escape(item.description)}</div>\n'
        "      </div></div>\n"
        "    </a>\n"
        "  </div>\n"
    )


@functools.lru_cache(maxsize=64)
def cards_html(items: tuple[NavItem, ...]) -> str:
    """The "Your work" heading and a card per entry of `items`; "" when there is none."""
    if not items:
        return ""
    cards = "".join(_card(item) for item in items)
    return f'\n<h2 class="h5 mt-4">Your work</h2>\n<div class="row g-3">\n{cards}  \n</div>\n'


@register.simple_tag
def work_cards(work: list[NavItem]) -> SafeString:
    return mark_safe(cards_html(tuple(work)))  # noqa: S308 (every value escaped)
