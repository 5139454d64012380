"""An order's badges on the lab's lists: its priority, its step, amended and carried over."""

from types import SimpleNamespace

from django.template import Context, Template

ORDER = """{% load lab_badges %}{% priority_badge order %}|{% status_badges order %}"""


def badges(**fields) -> str:
    values = {
        "priority": "routine",
        "status": "pending",
        "amended": False,
        "carried_over_at": None,
        "carry_over_reason": "",
    } | fields
    order = SimpleNamespace(
        **values, get_status_display=lambda: values["status"].replace("_", " ").capitalize()
    )
    return Template(ORDER).render(Context({"order": order}))


def test_each_priority_and_step_has_its_badge():
    assert badges(priority="stat").startswith(
        '<span class="badge text-bg-danger" data-testid="priority">STAT</span>|'
    )
    assert '"priority">Urgent</span>' in badges(priority="urgent")
    assert '"priority">Routine</span>' in badges()
    assert badges(status="verified").endswith(
        '<span class="badge text-bg-success" data-testid="order-status">Verified</span>'
    )
    assert 'class="badge text-bg-primary" data-testid="order-status">In progress<' in badges(
        status="in_progress"
    )
    assert 'class="badge text-bg-light border"' in badges(status="pending")


def test_amended_and_carried_over_orders_say_so_escaped():
    shown = badges(amended=True, carried_over_at=1, carry_over_reason='Discharged "early" <home>')

    assert ' <span class="badge text-bg-warning">Amended</span>' in shown
    assert 'title="Discharged &quot;early&quot; &lt;home&gt;"' in shown
    assert 'data-testid="carried-over">Outpatient follow-up</span>' in shown
