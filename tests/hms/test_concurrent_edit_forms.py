"""Every shared edit form keeps a colleague's change saved while it was open (hms.concurrent_edits;
the patient's and the staff member's forms have their own tests). Two people open the same
record, the first saves one field, the second another: both changes stay."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from billing.models import ChargeItem
from engineering import services as engineering
from engineering.models import Machine
from hms import rbac
from hms.submissions import new_token
from hr.leave_defaults import ensure_leave_types
from hr.models import LeaveType, Shift
from lab.models import LabTest
from tests.factories import ChargeItemFactory, LabTestFactory, UserFactory
from tests.page_forms import form_as_shown

pytestmark = pytest.mark.django_db


def _charge_item():
    item = ChargeItemFactory(code="DRESS-1", name="Wound dressing", tax_rate=0)
    return reverse("charge_item_edit", args=[item.pk]), lambda: ChargeItem.objects.get(pk=item.pk)


def _shift():
    shift = Shift.objects.create(name="Early", starts_at=time(7), ends_at=time(15))
    return reverse("shift_edit", args=[shift.pk]), lambda: Shift.objects.get(pk=shift.pk)


def _leave_type():
    ensure_leave_types()
    kind = LeaveType.objects.get(code="annual")
    return reverse("leave_type_edit", args=[kind.pk]), lambda: LeaveType.objects.get(pk=kind.pk)


def _lab_test():
    test = LabTestFactory(name="Full blood count", turnaround_minutes=60)
    return reverse("lab_catalogue_edit", args=[test.pk]), lambda: LabTest.objects.get(pk=test.pk)


def _machine():
    engineer = UserFactory(role=rbac.ENGINEER)
    machine = engineering.machine_register(
        actor=engineer, name="X-ray unit", asset_tag="ENG-0001", machine_type="xray"
    )
    return reverse("machine_edit", args=[machine.pk]), lambda: Machine.objects.get(pk=machine.pk)


CASES = {
    # form: (record, role, first change, second change, what each leaves)
    "price list item": (
        _charge_item,
        rbac.ADMIN,
        {"name": "Wound dressing, large"},
        {"price": "650"},
        lambda item: (item.name, item.price) == ("Wound dressing, large", 650),
    ),
    "shift": (
        _shift,
        rbac.ADMIN,
        {"name": "Early (ward)"},
        {"ends_at": "15:30"},
        lambda shift: (shift.name, shift.ends_at) == ("Early (ward)", time(15, 30)),
    ),
    "leave type": (
        _leave_type,
        rbac.ADMIN,
        {"carry_over_limit": "7"},
        {"full_pay_days": "14"},
        lambda kind: (kind.carry_over_limit, kind.full_pay_days) == (7, 14),
    ),
    "lab test": (
        _lab_test,
        rbac.ADMIN,
        {"name": "Full blood count (FBC)"},
        {"turnaround_minutes": "90"},
        lambda test: (test.name, test.turnaround_minutes) == ("Full blood count (FBC)", 90),
    ),
    "machine": (
        _machine,
        rbac.ENGINEER,
        {"name": "X-ray unit, room 2"},
        {"serial_number": "SN-4471"},
        lambda machine: (machine.name, machine.serial_number) == ("X-ray unit, room 2", "SN-4471"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_second_save_keeps_the_first_ones_change(case, make_user, client_for):
    record, role, first_change, second_change, both_kept = CASES[case]
    url, current = record()
    first, second = client_for(make_user(role)), client_for(make_user(role))
    opened = [
        form_as_shown(c.get(url).content.decode(), containing="opened_as") for c in (first, second)
    ]

    def save(client, form, change):
        sent = form | {k: [v] for k, v in change.items()} | {"submission": [new_token()]}
        return client.post(url, sent)

    saved_first = save(first, opened[0], first_change)
    saved_second = save(second, opened[1], second_change)

    assert saved_first.status_code == saved_second.status_code == 302, saved_second.content[:3000]
    assert both_kept(current())
    told = " ".join(str(m) for m in get_messages(saved_second.wsgi_request))
    assert "Kept as someone else saved it meanwhile" in told
