"""`{% notification_rows page %}`: the rows of the notifications page, written out in Python.

A page of 30 notifications, each row a form of its own (its CSRF field, its one-time submission
token, its link reversed) walked ~40 template nodes a row. This writes the markup the template
wrote (tests/messaging/test_notification_rows.py), every value escaped (html.escape, as Django's
escape does), the link reversed once for the page.
"""

from datetime import datetime
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hms import submissions
from hms.durations import elapsed
from hms.links import link_to

register = template.Library()

_EMPTY = (
    '<div class="list-group-item text-body-secondary py-4">Nothing yet. Notifications about your'
    " work appear here and as a pop-up on any page.</div>"
)
_URGENT = '<span class="badge text-bg-danger me-2">urgent</span>'
_NEW = '<span class="badge text-bg-primary me-2">new</span>'


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
