"""Each staff home opens on its work: what the role may do is folded away at the foot ("What I can
do"), one's own tools (attendance, two-step sign-in) are small links there, never big buttons; the
nurse's home loads the ward's patients (issue 15, items 4 and 7)."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.templatetags.role_capabilities import role_capabilities
from hms import rbac

STAFF_ROLES = [role for role in rbac.ROLES if role != rbac.PATIENT]


def _home(client_for, user) -> str:
    return client_for(user).get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_what_the_role_may_do_is_folded_at_the_foot_of_every_staff_home(
    client_for, make_user, role
):
    page = _home(client_for, make_user(role))

    folded = re.search(r'<details[^>]*data-testid="what-i-can-do".*?</details>', page, re.S)
    assert folded, "the capabilities sit in a closed <details>"
    assert " open" not in folded.group(0).split(">")[0]
    assert "<summary" in folded.group(0) and "What I can do" in folded.group(0)
    assert page.count('data-testid="role-capabilities"') == 1
    assert 'data-testid="role-capabilities"' in folded.group(0)
    assert "What your role can do" not in page
    assert page.index('data-testid="own-tools"') > page.index('data-testid="dashboard-title"')


def test_the_receptionist_home_opens_on_the_desk_with_no_capability_list_above_it(
    staff, client_for
):
    page = _home(client_for, staff.receptionist)

    desk = page.index('data-testid="desk-actions"')
    assert desk < page.index('data-testid="what-i-can-do"')
    assert desk < page.index('data-testid="mark-attendance"')
    assert desk < page.index('data-testid="turn-on-second-factor"')
    assert page.index('id="billing-panel"') < page.index('data-testid="what-i-can-do"')


@pytest.mark.parametrize("role", [rbac.RECEPTIONIST, rbac.NURSE, rbac.DOCTOR])
def test_own_tools_are_small_links_not_big_buttons(client_for, make_user, role):
    page = _home(client_for, make_user(role))

    attendance = re.search(r'<button class="([^"]*)"[^>]*data-testid="mark-attendance"', page)
    second_factor = re.search(r'<a class="([^"]*)"[^>]*data-testid="turn-on-second-factor"', page)
    for found in (attendance, second_factor):
        assert found and "btn-link" in found.group(1).split()
        assert "btn-lg" not in found.group(1) and "btn-success" not in found.group(1)


def test_the_patient_portal_home_has_no_staff_foot(staff, client_for):
    page = _home(client_for, staff.patient_user)

    assert 'data-testid="own-tools"' not in page
    assert 'data-testid="what-i-can-do"' not in page


def test_the_nurse_home_loads_the_wards_patients_and_follows_beds_and_vitals(staff, client_for):
    page = _home(client_for, staff.nurse)

    panel = re.search(r'<div id="ward-patients"[^>]*>', page)
    assert panel and f'hx-get="{reverse("ward_patients")}"' in panel.group(0)
    trigger = re.search(r'hx-trigger="([^"]*)"', panel.group(0)).group(1)
    assert "load" in trigger and "every 60s" in trigger
    assert "hms:beds-changed from:body" in trigger and "hms:vitals-changed from:body" in trigger
    assert re.search(r'ws-connect="/ws/\?topics=beds,vitals,pharmacy.mar"', page)
    # The doses overdue on the wards, from the pharmacy's MAR (loaded by URL, live).
    overdue = re.search(r'<div id="mar-overdue-panel"[^>]*>', page)
    assert overdue and f'hx-get="{reverse("mar_overdue")}"' in overdue.group(0)
    assert "hms:pharmacy-mar-changed from:body" in overdue.group(0)
    assert "Your shift: record vitals" not in page  # the old lead paragraph gave way to the ward


# The template `{% role_capabilities %}` replaced, as it was
# (templates/accounts/dashboards/_capabilities.html, included when the role had capabilities).
CAPABILITIES_TEMPLATE = (
    "{% if capabilities %}"
    '<details class="mt-2" data-testid="what-i-can-do">'
    '<summary class="btn btn-link px-0">What I can do</summary>'
    '<ul class="list-group mt-2" data-testid="role-capabilities" style="max-width: 40rem">'
    "{% for label, scope in capabilities %}"
    '<li class="list-group-item d-flex justify-content-between align-items-center">{{ label }}'
    '{% if scope != "all" %}<span class="badge text-bg-secondary">{{ scope }}</span>{% endif %}'
    "</li>{% endfor %}</ul></details>{% endif %}"
)


@pytest.mark.parametrize("role", rbac.ROLES)
def test_each_roles_capabilities_are_written_as_the_template_wrote_them(role):
    def same(html: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()

    old = Template(CAPABILITIES_TEMPLATE).render(
        Context({"capabilities": rbac.capabilities_of(role)})
    )
    assert same(role_capabilities(role)) == same(old)
    assert old.count("<li") == len(rbac.capabilities_of(role))


# The "Your work" block `{% work_cards %}` replaced, as it was (templates/accounts/dashboard_base.html).
WORK_TEMPLATE = (
    "{% if work %}\n"
    '<h2 class="h5 mt-4">Your work</h2>\n'
    '<div class="row g-3">\n'
    "  {% for item in work %}\n"
    '  <div class="col-12 col-md-6 col-xl-4">\n'
    '    <a class="hms-card-link" href="{{ item.href }}">\n'
    '      <div class="card h-100"><div class="card-body">\n'
    '        <div class="h5"><i class="bi bi-{{ item.icon }} text-primary me-2"'
    ' aria-hidden="true"></i>{{ item.label }}</div>\n'
    '        <div class="text-body-secondary">{{ item.description }}</div>\n'
    "      </div></div>\n"
    "    </a>\n"
    "  </div>\n"
    "  {% endfor %}\n"
    "</div>\n"
    "{% endif %}"
)


@pytest.mark.parametrize("role", rbac.ROLES)
def test_each_roles_work_cards_are_written_as_the_template_wrote_them(make_user, role):
    from accounts.templatetags.work_cards import work_cards
    from hms.navigation import nav_for

    work = [item for item in nav_for(make_user(role)) if item.url_name != "dashboard"]

    old = Template(WORK_TEMPLATE).render(Context({"work": work}))
    assert str(work_cards(work)) == old
    assert old.count('class="hms-card-link"') == len(work)


def test_work_cards_escape_what_an_entry_holds_as_the_template_did():
    from accounts.templatetags.work_cards import work_cards
    from hms.navigation import NavItem

    hostile = NavItem(
        "<script>alert('x')</script> & \"co\"",
        "dashboard",
        'x" onmouseover="alert(1)',
        "users.manage",
        "Fish & <chips> 'n' \"peas\"",
    )
    work = [hostile, NavItem("Plain", "dashboard", "house", "users.manage")]

    old = Template(WORK_TEMPLATE).render(Context({"work": work}))
    assert str(work_cards(work)) == old
    assert str(work_cards([])) == Template(WORK_TEMPLATE).render(Context({"work": []})) == ""
