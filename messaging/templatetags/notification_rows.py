"""`{% notification_rows page %}`: the rows of the notifications page, written out in Python;
`{% pinned_rows pinned %}`: the urgent ones waiting for acknowledgement, each with its form;
`{% notification_kinds groups kind %}`: the tabs of its kinds, with their counts.

A page of 30 notifications, each row a form of its own (its CSRF field, its one-time submission
token, its link reversed) walked ~40 template nodes a row. This writes the markup the template
wrote (tests/messaging/test_notification_rows.py), every value escaped (html.escape, as Django's
escape does), the link reversed once for the page.
"""

from datetime import datetime
from html import escape
from urllib.parse import quote

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from hms import submissions
from hms.durations import elapsed
from hms.links import link_to
from hms.templatetags.display import ago

register = template.Library()

_EMPTY = (
    '<div class="list-group-item text-body-secondary py-4">Nothing yet. Notifications about your'
    " work appear here and as a pop-up on any page.</div>"
)
_URGENT = '<span class="badge text-bg-danger me-2">urgent</span>'
_NEW = '<span class="badge text-bg-primary me-2">new</span>'
_CURRENT = ' aria-current="page"'


def _ago(moment: datetime, now: datetime) -> str:
    return f"{elapsed(moment, now)} ago"


@register.simple_tag(takes_context=True)
def notification_rows(context: template.Context, notifications) -> SafeString:
    """Each notification of `notifications` (Notification rows, `acknowledged_by` selected) as a
    form that opens it: pinned ones red, unread ones blue with "new", an acknowledgement with who,
    when and the note; the list's empty state when there are none."""
    rows = list(notifications)
    if not rows:
        return mark_safe(_EMPTY)  # noqa: S308 (fixed text)
    csrf = escape(str(context.get("csrf_token", "")))
    open_url = link_to("notification_open")
    now = timezone.now()
    html = []
    for notification in rows:
        shade = (
            " list-group-item-danger"
            if notification.is_pinned
            else (" list-group-item-primary" if not notification.is_read else "")
        )
        acknowledgement = ""
        if notification.acknowledged_at:
            acknowledgement = (
                '<span class="d-block small text-body-secondary" data-testid="acknowledgement">'
                '<i class="bi bi-check2-circle" aria-hidden="true"></i>Acknowledged by '
                f"{escape(str(notification.acknowledged_by))} "
                f"{_ago(notification.acknowledged_at, now)}: "
                f"{escape(notification.acknowledgement_note)}</span>"
            )
        html.append(
            f'<form method="post" action="{open_url(notification.pk)}" class="list-group-item '
            f'list-group-item-action p-0{shade}"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{csrf}"><input type="hidden" name="{submissions.FIELD}" '
            f'value="{submissions.new_token()}">\n'
            '<button class="btn w-100 text-start d-flex justify-content-between '
            'align-items-center gap-3 py-3 px-3 rounded-0" type="submit">\n'
            f"<span>{_URGENT if notification.urgent else ''}"
            f"{_NEW if not notification.is_read else ''}{escape(notification.text)}\n"
            f"{acknowledgement}</span>\n"
            '<span class="text-body-secondary small text-nowrap">'
            f"{_ago(notification.created_at, now)}</span>\n"
            "</button>\n</form>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped above)


def _csrf_field(context: template.Context) -> str:
    """What `{% csrf_token %}` writes (django.template.defaulttags.CsrfTokenNode)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


# The acknowledgement box's example, fitting what the notification is about (an engineer is not
# asked whether the patient was reviewed); a clinical alert's is the default.
ACKNOWLEDGE_HINTS = {
    "equipment_fault": "e.g. Engineer at the machine, spare unit sent to the ward",
    "maintenance": "e.g. Service booked for tomorrow 08:00, ward told",
    "security": "e.g. It was me signing in from the ward tablet",
}
CLINICAL_HINT = "e.g. Patient reviewed, 2 units of blood ordered"


def acknowledge_hint(kind: str) -> str:
    """The acknowledgement box's placeholder for a notification of `kind` (plain text)."""
    return ACKNOWLEDGE_HINTS.get(kind or "", CLINICAL_HINT)


@register.simple_tag(takes_context=True)
def pinned_rows(context: template.Context, pinned) -> SafeString:
    """Each urgent notification of `pinned` waiting for acknowledgement as a card with its
    acknowledgement form (what messaging/_pinned.html wrote, tests/messaging/
    test_notification_rows.py): after a refused acknowledgement (`refused_pk`), the note as
    typed (`typed_note`) and the refusal (`refusal`) beside it."""
    csrf = _csrf_field(context)
    acknowledge_url = link_to("notification_acknowledge")
    refused_pk = context.get("refused_pk")
    html = []
    for notification in pinned:
        pk = notification.pk
        text = escape(notification.text)
        if notification.link:
            text = f'<a href="{escape(notification.link)}">{text}</a>'
        escalated = (
            '<span class="badge text-bg-warning me-2">escalated</span>'
            if notification.is_escalation
            else ""
        )
        passed_on = (
            " \u00b7 passed on to a second doctor and the admin"
            if notification.escalated_at
            else ""
        )
        refused = refused_pk == pk
        note = conditional_escape(context.get("typed_note", "")) if refused else ""
        html.append(
            f'<div class="card border-danger mb-3" id="pinned-{pk}"'
            ' data-testid="pinned-notification">\n'
            '  <div class="card-body">\n'
            '    <p class="mb-1 fs-6"><span class="badge text-bg-danger me-2"><i class="bi'
            ' bi-pin-angle-fill" aria-hidden="true"></i>urgent</span>'
            f"{escalated}{text}</p>\n"
            '    <p class="text-body-secondary small mb-2">'
            f"{escape(ago(notification.created_at))}{passed_on}</p>\n"
            f'    <form method="post" action="{acknowledge_url(pk)}" class="row g-2'
            f' align-items-start" novalidate>{csrf}<input type="hidden"'
            f' name="{submissions.FIELD}" value="{submissions.new_token()}">\n'
            '      <div class="col-12 col-md">\n'
            f'        <label class="form-label small mb-1" for="ack-note-{pk}">What was'
            " done</label>\n"
            f'        <input class="form-control{" is-invalid" if refused else ""}"'
            f' id="ack-note-{pk}" hx-preserve name="note" maxlength="500" required\n'
            f'               value="{note}" placeholder="{acknowledge_hint(notification.kind)}"'
            ' data-testid="acknowledge-note"\n'
            "               "
            + (f'aria-describedby="ack-note-{pk}-error"' if refused else "")
            + ">\n        "
            + (
                f'<div id="ack-note-{pk}-error" class="invalid-feedback d-block"'
                f' data-testid="error-note">{conditional_escape(context.get("refusal", ""))}'
                "</div>"
                if refused
                else ""
            )
            + "\n      </div>\n"
            '      <div class="col-12 col-md-auto align-self-end"><button class="btn btn-danger'
            ' btn-lg" type="submit" data-testid="acknowledge"><i class="bi bi-check2-circle"'
            ' aria-hidden="true"></i>Acknowledge</button></div>\n'
            "    </form>\n"
            "  </div>\n"
            "</div>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped above)


@register.simple_tag
def notification_kinds(groups: list[dict], kind: str | None) -> SafeString:
    """A tab for each kind of `groups` (selectors.notification_groups): its label, how many and
    how many new, muted or not; the one of `kind` marked as the page shown."""
    html = []
    for group in groups:
        shown = kind == group["kind"]
        html.append(
            '\n    <li class="nav-item d-flex align-items-center">\n'
            f'      <a class="nav-link{" active" if shown else ""}"'
            f' href="?kind={escape(quote(group["kind"]))}"'
            f"{_CURRENT if shown else ''}"
            f' data-testid="kind-{escape(group["kind"] or "other")}">{escape(group["label"])}'
            f' <span class="badge text-bg-secondary">{group["total"]}</span>'
            + (
                f' <span class="badge text-bg-primary">{group["unread"]} new</span>'
                if group["unread"]
                else ""
            )
            + (' <i class="bi bi-bell-slash" aria-label="muted"></i>' if group["muted"] else "")
            + "</a>\n    </li>\n    "
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped above)
