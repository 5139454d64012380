"""`|waited`: a waiting time said as the wards say durations ("12 minutes", "1 hour, 5 minutes");
`{% transfer_options points point chosen %}`: the "Send to" select's options of a ticket at the
window, `{% at_window_cards at_window %}`: the tickets at the window with their buttons, and
`{% waiting_rows waiting %}`: a point's waiting line, written out in Python (the template's loops
cost ~2,900 function calls a ticket at the window and ~250 a ticket waiting on the point's page,
tests/bench/pages.py --profile; tests/queues/test_queue_marks.py holds each to the template it
replaced)."""

from datetime import UTC, datetime, timedelta
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hms import submissions
from hms.durations import elapsed
from hms.links import link_to

register = template.Library()
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@register.filter
def waited(value: timedelta | None) -> str:
    if value is None:
        return "—"
    return elapsed(_EPOCH, _EPOCH + value)


@register.simple_tag
def transfer_options(points: list, point: object, chosen: object) -> SafeString:
    """An <option> for each of `points` but `point` itself, `chosen` (the posted choice, as
    typed) selected."""
    chosen = str(chosen)
    return mark_safe(  # noqa: S308 (every name escaped; ids are numbers)
        "".join(
            f'<option value="{other.pk}"{" selected" if str(other.pk) == chosen else ""}>'
            f"{escape(other.name)}</option>"
            for other in points
            if other.pk != point.pk
        )
    )


@register.simple_tag
def waiting_rows(waiting: object) -> SafeString:
    """One line a ticket waiting, in calling order: its number, Priority, the patient's name (or
    Walk-in), when it was issued and how long it has waited; "Nobody is waiting." for none."""
    if not waiting:
        return mark_safe(  # noqa: S308 (fixed markup)
            '\n      <li class="list-group-item text-body-secondary">Nobody is waiting.</li>\n      '
        )
    rows = []
    for ticket in waiting:
        priority = (
            '<span class="badge text-bg-danger me-1">Priority</span>' if ticket.priority else ""
        )
        patient = ticket.patient
        who = escape(patient.full_name) if patient else "Walk-in"
        issued = timezone.localtime(ticket.issued_at).strftime("%H:%M")
        rows.append(
            '\n      <li class="list-group-item d-flex justify-content-between align-items-start">'
            f'\n        <div class="ms-2 me-auto"><span class="fw-bold me-2">{escape(ticket.label)}'
            f"</span>{priority}{who}</div>\n"
            f'        <span class="text-body-secondary text-nowrap">{issued} · '
            f"{escape(waited(ticket.waited))}</span>\n      </li>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped)


def _csrf_input(context: template.Context) -> str:
    """What {% csrf_token %} writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def _tokens(csrf: str) -> str:
    """A form's CSRF field and a submission token of its own ({% submission_field %})."""
    return (
        f'{csrf}<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">'
    )


@register.simple_tag(takes_context=True)
def at_window_cards(context: template.Context, at_window: list) -> SafeString:
    """A card a ticket called or being seen: its number, status (and how many calls), the patient
    (a link to the chart for whoever may open it) and how long they waited; for whoever serves
    the point, Patient is here, Call again, Did not answer, Done and Send on (the points but this
    one, a refused choice kept and said). "Nobody at the window." for none."""
    may_serve = context.get("may_serve")
    if not at_window:
        figures = context.get("figures")
        press = " Press Call next." if may_serve and getattr(figures, "waiting", None) else ""
        return mark_safe(  # noqa: S308 (fixed markup)
            '\n    <p class="text-body-secondary" data-testid="nobody-at-window">Nobody at the'
            f" window.{press}</p>\n    "
        )
    may_open_charts = context.get("may_open_charts")
    csrf = _csrf_input(context)
    if may_serve:
        form = context.get("transfer_form")
        to_point = form["to_point"]
        errors = to_point.errors
        invalid = " is-invalid" if errors else ""
        said = "".join(f'<div class="invalid-feedback">{escape(str(e))}</div>' for e in errors)
        checked = " checked" if form["priority"].value() else ""
        options = transfer_options(context.get("points"), context.get("point"), to_point.value())
        serve, recall, no_show, finish, transfer = (
            link_to(route)
            for route in (
                "ticket_serve",
                "ticket_recall",
                "ticket_no_show",
                "ticket_finish",
                "ticket_transfer",
            )
        )
    chart = link_to("patient_chart")
    cards = []
    for ticket in at_window:
        called = ticket.status == "called"
        label = escape(ticket.label)
        times = f" · called {ticket.calls} times" if ticket.calls > 1 else ""
        patient = ticket.patient
        if patient:
            name = escape(patient.full_name)
            if may_open_charts:
                name = f'<a href="{chart(patient.pk)}">{name}</a>'
            who = f"{name} · MRN {escape(str(patient.mrn))}"
        else:
            who = "Walk-in"
        buttons = sending = ""
        if may_serve:
            pk = ticket.pk
            calling = (
                (
                    f'\n            <form method="post" action="{serve(pk)}">{_tokens(csrf)}'
                    '<button class="btn btn-primary" type="submit" data-testid="serve">Patient is'
                    " here</button></form>\n"
                    f'            <form method="post" action="{recall(pk)}">{_tokens(csrf)}'
                    '<button class="btn btn-outline-warning" type="submit" data-testid="recall">'
                    '<i class="bi bi-arrow-repeat" aria-hidden="true"></i>Call again</button>'
                    "</form>\n"
                    f'            <form method="post" action="{no_show(pk)}" data-confirm="Close'
                    f' {label}: the patient did not answer?">{_tokens(csrf)}<button class="btn'
                    ' btn-outline-dark" type="submit" data-testid="no-show">Did not answer'
                    "</button></form>\n            "
                )
                if called
                else ""
            )
            buttons = (
                '\n          <div class="d-flex flex-wrap gap-2">\n            '
                f"{calling}\n"
                f'            <form method="post" action="{finish(pk)}">{_tokens(csrf)}'
                '<button class="btn btn-success" type="submit" data-testid="finish">Done</button>'
                "</form>\n          </div>\n          "
            )
            sending = (
                '\n        <form class="row g-2 align-items-end mt-2" method="post" '
                f'action="{transfer(pk)}" novalidate data-testid="transfer-form">{_tokens(csrf)}'
                "\n          \n"
                f'          <div class="col-auto"><label class="form-label" for="to-{pk}">Send to'
                "</label>\n"
                f'            <select id="to-{pk}" name="to_point" class="form-select{invalid}">'
                f"{options}</select>\n            {said}</div>\n"
                '          <div class="col-auto"><div class="form-check mb-2"><input'
                ' class="form-check-input" type="checkbox" name="priority"'
                f' id="priority-{pk}"{checked}><label class="form-check-label"'
                f' for="priority-{pk}">Priority</label></div></div>\n'
                '          <div class="col-auto"><button class="btn btn-outline-primary"'
                ' type="submit" data-testid="transfer"><i class="bi bi-arrow-right-circle"'
                ' aria-hidden="true"></i>Send on</button></div>\n        </form>\n        '
            )
        cards.append(
            f'\n    <div class="card mb-2 {"border-warning" if called else "border-success"}"'
            ' data-testid="at-window">\n      <div class="card-body">\n'
            '        <div class="d-flex flex-wrap justify-content-between align-items-center'
            ' gap-2">\n          <div>\n'
            f'            <span class="fs-2 fw-bold me-2" data-testid="ticket-label">{label}'
            "</span>\n"
            f'            <span class="badge {"text-bg-warning" if called else "text-bg-success"}'
            f' fs-6">{escape(str(ticket.get_status_display()))}{times}</span>\n'
            f"            <div>{who} · waited {escape(waited(ticket.waited))}</div>\n"
            f"          </div>\n          {buttons}\n        </div>\n        {sending}\n"
            "      </div>\n    </div>\n    "
        )
    return mark_safe("".join(cards))  # noqa: S308 (every value escaped)
