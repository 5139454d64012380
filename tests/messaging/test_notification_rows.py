"""The notifications page's rows are written out in Python
(messaging/templatetags/notification_rows.py): the same HTML the template wrote, for every kind of
notification, whatever its text or its acknowledger's name holds; and the page still opens one."""

import re
from datetime import timedelta

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from hms import rbac
from messaging.models import Notification
from messaging.templatetags.notification_rows import notification_rows

# The template the tag replaced, as it was (templates/messaging/notifications.html).
ROWS = Template(
    "{% for notification in page %}"
    '<form method="post" action="{% url \'notification_open\' notification.pk %}"'
    ' class="list-group-item list-group-item-action p-0{% if notification.is_pinned %}'
    " list-group-item-danger{% elif not notification.is_read %} list-group-item-primary{% endif"
    ' %}">{% csrf_token %}{% submission_field %}'
    '<button class="btn w-100 text-start d-flex justify-content-between align-items-center gap-3'
    ' py-3 px-3 rounded-0" type="submit">'
    '<span>{% if notification.urgent %}<span class="badge text-bg-danger me-2">urgent</span>'
    '{% endif %}{% if not notification.is_read %}<span class="badge text-bg-primary me-2">new'
    "</span>{% endif %}{{ notification.text }}"
    ' {% if notification.acknowledged_at %}<span class="d-block small text-body-secondary"'
    ' data-testid="acknowledgement"><i class="bi bi-check2-circle" aria-hidden="true"></i>'
    "Acknowledged by {{ notification.acknowledged_by }} {{ notification.acknowledged_at|ago }}:"
    " {{ notification.acknowledgement_note }}</span>{% endif %}</span>"
    ' <span class="text-body-secondary small text-nowrap">{{ notification.created_at|ago }}'
    "</span></button></form>"
    "{% empty %}"
    '<div class="list-group-item text-body-secondary py-4">Nothing yet. Notifications about your'
    " work appear here and as a pop-up on any page.</div>"
    "{% endfor %}"
)
TOKEN = re.compile(r'name="submission" value="[^"]+"')


def _same(html: str) -> str:
    """Whitespace between tags dropped and runs of it made one space (as a browser shows it),
    each row's one-time token (new at every call) put aside."""
    html = TOKEN.sub('name="submission" value="…"', html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _both(rows: list[Notification]) -> tuple[str, str]:
    context = {"page": rows, "csrf_token": "masked-csrf-token"}
    return (
        _same(ROWS.render(Context(context))),
        _same(notification_rows(Context(context), rows)),
    )


def test_every_kind_of_notification_is_written_as_the_template_wrote_it(make_user):
    doctor = make_user(rbac.DOCTOR)
    nurse = make_user(rbac.NURSE, first_name="Achieng <b>", last_name="O'Neil & Co")
    now = timezone.now()
    made = [
        Notification(
            recipient=doctor, text="Critical potassium for <script>x</script> Bed 4", urgent=True
        ),
        Notification(
            recipient=doctor,
            text="Critical haemoglobin",
            urgent=True,
            read_at=now,
            acknowledged_at=now - timedelta(minutes=7),
            acknowledged_by=nurse,
            acknowledgement_note='Called "Dr Otieno" & <ok>',
        ),
        Notification(recipient=doctor, text="Appointment moved to 10:30"),
        Notification(recipient=doctor, text="Leave approved", read_at=now),
    ]
    Notification.objects.bulk_create(made)
    Notification.objects.filter(text="Leave approved").update(created_at=now - timedelta(days=3))
    rows = list(Notification.objects.filter(recipient=doctor).select_related("acknowledged_by"))

    template, python = _both(rows)

    assert python == template
    assert "&lt;script&gt;" in python and "<script>" not in python
    assert "O&#x27;Neil &amp; Co" in python and "&quot;Dr Otieno&quot; &amp; &lt;ok&gt;" in python
    assert python.count('name="submission"') == 4


def test_no_notification_shows_the_empty_list_as_before():
    template, python = _both([])

    assert python == template
    assert "Nothing yet." in python


def test_a_row_opens_its_notification_and_marks_it_read(client_for, make_user):
    doctor = make_user(rbac.DOCTOR)
    notification = Notification.objects.create(
        recipient=doctor, text="Results ready", link=reverse("dashboard")
    )
    client = client_for(doctor)
    page = client.get(reverse("notification_list")).content.decode()
    action = reverse("notification_open", args=[notification.pk])
    form = page[page.index(f'action="{action}"') :]
    token = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    response = client.post(action, {"submission": token, "csrfmiddlewaretoken": csrf})

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
