"""`{% role_capabilities role %}`: "What I can do" at the foot of a staff home, folded away.

What a role may do is hms.rbac's matrix, fixed while the server runs, so the list is written once
per role and kept: the administrator's 42 rows cost the template language about a quarter of the
dashboard's time (tests/bench/pages.py --profile). tests/accounts/test_homes.py holds the markup
to the template it replaced."""

import functools
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from hms import rbac

register = template.Library()


def _scope_badge(scope: str) -> str:
    """A scope narrower than all ("own", "department") as a grey badge."""
    if scope == rbac.ALL:
        return ""
    return f'<span class="badge text-bg-secondary">{escape(scope)}</span>'


@functools.cache
def capabilities_html(role: str) -> str:
    """Each capability of `role` (hms.rbac.capabilities_of) with its scope when not "all", in a
    <details> folded shut; "" for a role that may do nothing."""
    rows = "".join(
        '\n    <li class="list-group-item d-flex justify-content-between align-items-center">'
        f"{escape(label)}{_scope_badge(scope)}</li>"
        for label, scope in rbac.capabilities_of(role)
    )
    if not rows:
        return ""
    return (
        '<details class="mt-2" data-testid="what-i-can-do">\n'
        '  <summary class="btn btn-link px-0">What I can do</summary>\n'
        '  <ul class="list-group mt-2" data-testid="role-capabilities" style="max-width: 40rem">'
        f"{rows}\n  </ul>\n</details>"
    )


@register.simple_tag
def role_capabilities(role: str) -> SafeString:
    return mark_safe(capabilities_html(role))  # noqa: S308 (every label escaped)
