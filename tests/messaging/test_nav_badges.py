"""The bell and the chat badge of every page's navigation are written out in Python
(messaging/templatetags/nav_badges.py): the same HTML the templates wrote, for every count, in a
page and pushed out of band."""

from django.template import Context, Template
from django.template.loader import render_to_string

# The templates the tags replaced, as they were (templates/messaging/bell.html, chat_badge.html).
BELL = Template("""{# The bell: how many notifications are unread, and apart from them (red, with a pin) how many urgent ones wait for acknowledgement, read or not: nobody sees "nothing new" while an alert waits. #}
<span id="notification-bell" class="d-inline-flex align-items-center gap-2" hx-get="{% url 'notification_bell' %}" hx-trigger="hms:resync from:body" hx-swap="outerHTML" hx-headers='{"X-HMS-Background": "1"}'{% if oob %} hx-swap-oob="true"{% endif %}>
  {% if urgent_waiting %}<a class="btn btn-danger fw-semibold" href="{% url 'notification_list' %}#pinned-notifications" aria-label="{{ urgent_waiting }} urgent notification{{ urgent_waiting|pluralize }} waiting for acknowledgement" data-testid="bell-urgent"><i class="bi bi-pin-angle-fill" aria-hidden="true"></i><span data-testid="bell-urgent-count">{{ urgent_waiting }}</span><span class="d-none d-xxl-inline" aria-hidden="true"> urgent</span></a>{% endif %}
  <a class="btn btn-outline-light position-relative" href="{% url 'notification_list' %}" aria-label="Notifications: {{ unread_count }} unread" data-testid="bell">
    <i class="bi bi-bell{% if unread_count %}-fill{% endif %}" aria-hidden="true"></i>
    {% if unread_count %}<span class="position-absolute start-100 translate-middle badge rounded-pill text-bg-danger hms-count" data-testid="bell-count">{{ unread_count }}</span>{% endif %}
  </a>
</span>
""")
CHAT_BADGE = Template("""<a id="chat-badge" class="btn btn-outline-light position-relative" href="{% url 'chat_list' %}"{% if oob %} hx-swap-oob="true"{% endif %} aria-label="Chat: {{ chat_unread }} unread" data-testid="chat-badge">
  <i class="bi bi-chat-dots{% if chat_unread %}-fill{% endif %}" aria-hidden="true"></i>
  {% if chat_unread %}<span class="position-absolute start-100 translate-middle badge rounded-pill text-bg-danger hms-count" data-testid="chat-unread">{{ chat_unread }}</span>{% endif %}
</a>
""")


def test_the_bell_is_written_as_the_template_wrote_it_for_every_count():
    for unread in [0, 1, 12, ""]:
        for waiting in [0, 1, 3]:
            for oob in [False, True]:
                counts = {"unread_count": unread, "urgent_waiting": waiting, "oob": oob}
                assert render_to_string("messaging/bell.html", counts) == BELL.render(
                    Context(counts)
                )


def test_the_bell_counts_what_the_context_processor_gives_only_when_shown():
    asked = []

    def count():
        asked.append(1)
        return 2

    counts = {"unread_count": count, "urgent_waiting": lambda: 0}
    written = render_to_string("messaging/bell.html", counts)
    assert written == BELL.render(Context(counts))
    assert 'data-testid="bell-count">2</span>' in written and asked


def test_the_chat_badge_is_written_as_the_template_wrote_it_for_every_count():
    for unread in [0, 1, 40, lambda: 5]:
        for oob in [False, True]:
            counts = {"chat_unread": unread, "oob": oob}
            assert render_to_string("messaging/chat_badge.html", counts) == CHAT_BADGE.render(
                Context(counts)
            )


def test_the_bell_pushed_out_of_band_is_as_before():
    counts = {"unread_count": 3, "urgent_waiting": 1}
    assert render_to_string("messaging/live_notification.html", counts).startswith(
        BELL.render(Context({**counts, "oob": True}))
    )
