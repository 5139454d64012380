"""`{% deposit_fields %}` and `{% manual_charge_fields %}`: the account page's side forms, their
blank copies written once per process and kept.

`{{ deposit_form|crispy }}` and `{{ form|crispy }}` (ManualChargeForm, whose select lists the
nursing and sundry services as model instances) cost ~3,500 calls of the account page's ~17,000,
building both forms and writing them out on every load (tests/bench/pages.py --profile). A blank
deposit form differs only by the amount a page suggests (`?deposit=1500`: a visit's fee); a blank
charge form only by the services it lists, read on every load as plain values by a query compiled
once. Each is rendered by `crispy` itself the first time and kept in hms.templatetags.kept_forms'
store under (form, language, what it depends on): a renamed or retired service is another key,
never stale HTML. A refused form, with what was typed and its messages, is written out each time,
as before (tests/billing/test_account_writers.py holds the kept HTML to crispy's).
"""

from decimal import Decimal

from django import template
from django.utils import translation
from django.utils.safestring import SafeString

from billing.forms import DepositForm, ManualChargeForm, manual_charge_options
from billing.models import ChargeItem
from hms.form_renderer import options_read
from hms.templatetags.form_fields import as_crispy_form
from hms.templatetags.kept_forms import kept_html

register = template.Library()


def blank_deposit_form(amount: Decimal | None) -> SafeString:
    """`{{ DepositForm(initial={"amount": amount})|crispy }}` (no amount: a blank form)."""
    initial = {} if amount is None else {"amount": amount}
    return kept_html(
        ("deposit", translation.get_language(), repr(amount)),
        lambda: as_crispy_form(DepositForm(initial=initial)),
    )


def blank_manual_charge_form(services=None) -> SafeString:
    """`{{ ManualChargeForm()|crispy }}` for the services chargeable now: `services`, ((id, code,
    name), ...) in the select's order, when the page has read them (the account's side column),
    else read here."""
    if services is None:
        services = ((row["pk"], row["code"], row["name"]) for row in manual_charge_options.values())
    options = tuple(tuple(service) for service in services)

    def write() -> SafeString:
        form = ManualChargeForm()
        # The select lists exactly the services of the key (not read again: one changed in
        # between would be kept under the wrong list).
        options_read(
            form.fields["item"],
            [ChargeItem(pk=pk, code=code, name=name) for pk, code, name in options],
        )
        return as_crispy_form(form)

    return kept_html(("charge", translation.get_language(), options), write)


@register.simple_tag
def deposit_fields(refused, amount: Decimal | None = None) -> SafeString:
    """The deposit form's fields: the refused form as typed, else a blank one suggesting
    `amount`."""
    if refused:
        return as_crispy_form(refused)
    return blank_deposit_form(amount)


@register.simple_tag
def manual_charge_fields(refused, services=None) -> SafeString:
    """The "Add a charge" form's fields: the refused form as typed, else a blank one listing
    `services` (blank_manual_charge_form)."""
    if refused:
        return as_crispy_form(refused)
    return blank_manual_charge_form(services)
