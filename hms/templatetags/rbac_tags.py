"""`can` and `offers`: templates ask hms.rbac, never compare role names. Builtins (no {% load %}).

{% if user|can:"patients.register" %}…{% endif %}
{% if user|can:"patients.view_chart:all,demographics" %}…{% endif %}   (narrowed to scopes)
{% if user|offers:"hr.self_service" %}…{% endif %}   (work the role is given, admin excepted)
"""

from django import template

from hms import rbac

register = template.Library()


def _parse(rule: str) -> tuple[str, list[str] | None]:
    capability, _, scopes = rule.partition(":")
    return capability, [s.strip() for s in scopes.split(",")] if scopes else None


@register.filter
def can(user, rule: str) -> bool:
    capability, scopes = _parse(rule)
    return rbac.allows(user, capability, scopes=scopes)


@register.filter
def offers(user, capability: str) -> bool:
    return rbac.offers(user, capability)
