"""The notifications page's rows are written out in Python
(messaging/templatetags/notification_rows.py): the same HTML the template wrote, for every kind of
notification, whatever its text or its acknowledger's name holds; and the page still opens one."""

import re
from datetime import timedelta

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from hms import rbac
from messaging import selectors
from messaging.models import Notification, NotificationMute
from messaging.templatetags.notification_rows import (
    notification_kinds,
    notification_rows,
    pinned_rows,
)

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


def test_the_first_page_read_as_values_is_written_as_the_notifications_were(make_user):
    doctor = make_user(rbac.DOCTOR)
    nurse = make_user(rbac.NURSE, first_name="Achieng <b>", last_name="O'Neil & Co")
    nameless = make_user(rbac.NURSE, first_name="", last_name="", username="night.desk")
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(recipient=doctor, text="Critical potassium <i>", urgent=True),
            Notification(
                recipient=doctor,
                text="Critical haemoglobin",
                urgent=True,
                read_at=now,
                acknowledged_at=now,
                acknowledged_by=nurse,
                acknowledgement_note="<ok>",
            ),
            Notification(
                recipient=doctor,
                text="Critical sodium",
                urgent=True,
                acknowledged_at=now,
                acknowledged_by=nameless,
                acknowledgement_note="seen",
            ),
            Notification(recipient=doctor, text="Ack by nobody", acknowledged_at=now),
            Notification(recipient=doctor, text="Leave approved", read_at=now),
        ]
    )
    groups = selectors.notification_groups(doctor)
    page = selectors.notification_page(doctor, None, None, groups)
    instances = list(
        Notification.objects.filter(recipient=doctor).select_related("acknowledged_by")
    )

    assert [row.pk for row in page] == [row.pk for row in instances]
    assert _both(list(page))[1] == _both(instances)[0]
    assert "night.desk" in _both(list(page))[1]


# The pinned notifications' loop as messaging/pinned.html and messaging/_pinned.html wrote it.
PINNED = Template(
    "{% for notification in pinned %}"
    + """<div class="card border-danger mb-3" id="pinned-{{ notification.pk }}" data-testid="pinned-notification">
  <div class="card-body">
    <p class="mb-1 fs-6"><span class="badge text-bg-danger me-2"><i class="bi bi-pin-angle-fill" aria-hidden="true"></i>urgent</span>{% if notification.is_escalation %}<span class="badge text-bg-warning me-2">escalated</span>{% endif %}{% if notification.link %}<a href="{{ notification.link }}">{{ notification.text }}</a>{% else %}{{ notification.text }}{% endif %}</p>
    <p class="text-body-secondary small mb-2">{{ notification.created_at|ago }}{% if notification.escalated_at %} · passed on to a second doctor and the admin{% endif %}</p>
    <form method="post" action="{% url 'notification_acknowledge' notification.pk %}" class="row g-2 align-items-start" novalidate>{% csrf_token %}{% submission_field %}
      <div class="col-12 col-md">
        <label class="form-label small mb-1" for="ack-note-{{ notification.pk }}">What was done</label>
        <input class="form-control{% if refused_pk == notification.pk %} is-invalid{% endif %}" id="ack-note-{{ notification.pk }}" hx-preserve name="note" maxlength="500" required
               value="{% if refused_pk == notification.pk %}{{ typed_note }}{% endif %}" placeholder="{% if notification.kind == 'equipment_fault' %}e.g. Engineer at the machine, spare unit sent to the ward{% elif notification.kind == 'maintenance' %}e.g. Service booked for tomorrow 08:00, ward told{% elif notification.kind == 'security' %}e.g. It was me signing in from the ward tablet{% else %}e.g. Patient reviewed, 2 units of blood ordered{% endif %}" data-testid="acknowledge-note"
               {% if refused_pk == notification.pk %}aria-describedby="ack-note-{{ notification.pk }}-error"{% endif %}>
        {% if refused_pk == notification.pk %}<div id="ack-note-{{ notification.pk }}-error" class="invalid-feedback d-block" data-testid="error-note">{{ refusal }}</div>{% endif %}
      </div>
      <div class="col-12 col-md-auto align-self-end"><button class="btn btn-danger btn-lg" type="submit" data-testid="acknowledge"><i class="bi bi-check2-circle" aria-hidden="true"></i>Acknowledge</button></div>
    </form>
  </div>
</div>
"""
    + "{% endfor %}"
)


def _pinned_both(pinned: list, **context) -> tuple[str, str]:
    context = {"pinned": pinned, "csrf_token": "masked-csrf-token", **context}
    return (
        _same(PINNED.render(Context(context))),
        _same(pinned_rows(Context(context), pinned)),
    )


def test_pinned_notifications_are_written_as_the_template_wrote_them(make_user):
    doctor = make_user(rbac.DOCTOR)
    made = [
        Notification(recipient=doctor, text="Critical K+ for <b>O'Neil</b> & co", urgent=True),
        Notification(
            recipient=doctor,
            text="NEWS2 of 9, bed 4",
            urgent=True,
            link='/wards/admissions/7/?a="1"&b=2',
            is_escalation=True,
            escalated_at=timezone.now(),
        ),
    ]
    Notification.objects.bulk_create(made)
    pinned = selectors.pinned_notifications(doctor)

    template, python = _pinned_both(pinned)
    assert python == template
    assert python.count('name="submission"') == 2 and "escalated" in python
    assert "&lt;b&gt;O&#x27;Neil&lt;/b&gt; &amp; co" in python

    # An engineer's fault and maintenance alerts hint at what an engineer does, not a patient.
    Notification.objects.bulk_create(
        [
            Notification(recipient=doctor, text="Fault", urgent=True, kind="equipment_fault"),
            Notification(recipient=doctor, text="PM due", urgent=True, kind="maintenance"),
        ]
    )
    pinned = selectors.pinned_notifications(doctor)
    template, python = _pinned_both(pinned)
    assert python == template
    assert python.count("e.g. Patient reviewed") == 2
    assert "spare unit sent to the ward" in python and "Service booked" in python

    # After a refused acknowledgement: the note as typed and the refusal beside it.
    refused = {"refused_pk": pinned[1].pk, "typed_note": '<"x">', "refusal": "Say what & why"}
    template, python = _pinned_both(pinned, **refused)
    assert python == template
    assert "is-invalid" in python and "&lt;&quot;x&quot;&gt;" in python
    # Without a CSRF token in the context (a page pushed by a socket) no field is written.
    template, python = _pinned_both(pinned, csrf_token="")
    assert python == template and "csrfmiddlewaretoken" not in python


KINDS = Template("""{% for group in groups %}
    <li class="nav-item d-flex align-items-center">
      <a class="nav-link{% if kind == group.kind %} active{% endif %}" href="?kind={{ group.kind|urlencode }}"{% if kind == group.kind %} aria-current="page"{% endif %} data-testid="kind-{{ group.kind|default:'other' }}">{{ group.label }} <span class="badge text-bg-secondary">{{ group.total }}</span>{% if group.unread %} <span class="badge text-bg-primary">{{ group.unread }} new</span>{% endif %}{% if group.muted %} <i class="bi bi-bell-slash" aria-label="muted"></i>{% endif %}</a>
    </li>
    {% endfor %}""")


def test_the_kinds_tabs_are_written_as_the_template_wrote_them(make_user):
    doctor = make_user(rbac.DOCTOR)
    Notification.objects.bulk_create(
        [
            Notification(recipient=doctor, text="a", kind="critical_result", urgent=True),
            Notification(recipient=doctor, text="b", kind="appointment", read_at=timezone.now()),
            Notification(recipient=doctor, text="c", kind="appointment"),
            Notification(recipient=doctor, text="d", kind=""),
        ]
    )
    NotificationMute.objects.create(user=doctor, kind="leave")
    groups = selectors.notification_groups(doctor)
    odd = [*groups, dict(groups[0], kind="a b&c", label="<Odd> & 'kind'", unread=0, muted=True)]

    for kind in [None, "appointment", "", "leave", "a b&c"]:
        context = {"groups": odd, "kind": kind}
        assert _same(notification_kinds(odd, kind)) == _same(KINDS.render(Context(context)))
    written = notification_kinds(odd, "a b&c")
    assert 'href="?kind=a%20b%26c" aria-current="page"' in written
    assert "&lt;Odd&gt; &amp; &#x27;kind&#x27;" in written and 'data-testid="kind-other"' in written
