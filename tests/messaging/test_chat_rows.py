"""A conversation's messages are written out in Python (messaging/templatetags/chat_rows.py), on
the thread page and in the socket's push alike: the same HTML the include wrote, for mine and
theirs, each receipt status, whatever a body or a name holds. The live receipt updates write
their receipts with the same Python, as the receipt's include wrote them."""

import re

from django.template import Context, Template
from django.template.loader import render_to_string

from messaging.templatetags.chat_rows import message_html

# The include the tag replaced, as it was (templates/messaging/_chat_message.html, with the
# receipt's own include written in).
INCLUDE = Template(
    '<div class="chat-msg {% if message.sender_id == me %}chat-mine{% else %}chat-theirs{% endif'
    ' %}" id="msg-{{ message.id }}" data-message-id="{{ message.id }}">\n'
    '  {% if message.sender_id != me %}<div class="chat-sender">{{ message.sender_name }}</div>'
    "{% endif %}\n"
    '  <div class="chat-body">{{ message.body|linebreaksbr }}</div>\n'
    '  <div class="chat-meta"><span title="{{ message.date }}">{{ message.time }}</span>{% if'
    " message.sender_id == me %} {% with id=message.id status=message.status|default:'sent' %}"
    '<span id="receipt-{{ id }}" class="chat-receipt chat-receipt-{{ status }}"'
    ' data-status="{{ status }}">{% if status == "read" %}<i class="bi bi-check2-all"'
    ' aria-hidden="true"></i> Read{% elif status == "delivered" %}<i class="bi bi-check2-all"'
    ' aria-hidden="true"></i> Delivered{% else %}<i class="bi bi-check2" aria-hidden="true"></i>'
    " Sent{% endif %}</span>{% endwith %}{% endif %}</div>\n"
    "</div>\n"
)

# The live receipts as they were (templates/messaging/chat_receipts.html including
# templates/messaging/_receipt.html, with oob=True, both files' line ends kept).
RECEIPTS = Template(
    "{% for receipt in receipts %}{% with id=receipt.id status=receipt.status %}<span"
    ' id="receipt-{{ id }}" class="chat-receipt chat-receipt-{{ status }}"'
    ' data-status="{{ status }}" hx-swap-oob="true">{% if status == "read" %}<i'
    ' class="bi bi-check2-all" aria-hidden="true"></i> Read{% elif status == "delivered" %}<i'
    ' class="bi bi-check2-all" aria-hidden="true"></i> Delivered{% else %}<i class="bi bi-check2"'
    ' aria-hidden="true"></i> Sent{% endif %}</span>\n{% endwith %}{% endfor %}\n'
)


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _message(**changes) -> dict:
    return {
        "id": 41,
        "sender_id": 7,
        "sender_name": "Achieng <b>O'Neil</b> & Co",
        "body": 'Bed 4 <script>alert(1)</script>\nready?\r\nSay "yes" & I\'ll come',
        "time": "14:05",
        "date": "03 Dec 2026",
    } | changes


def test_theirs_and_mine_in_every_receipt_status_are_written_as_the_include_wrote_them():
    cases = [
        (_message(), 9),
        *[(_message(sender_id=9, status=status), 9) for status in ("sent", "delivered", "read")],
        (_message(sender_id=9), 9),  # pushed by the socket before any receipt: "sent"
        (_message(sender_id=9, status=""), 9),
    ]
    for message, me in cases:
        template = _same(INCLUDE.render(Context({"message": message, "me": me})))
        python = _same(message_html(message, me))

        assert python == template, message
    theirs = message_html(_message(), 9)
    assert "&lt;script&gt;" in theirs and "<script>" not in theirs
    assert "Achieng &lt;b&gt;O&#x27;Neil&lt;/b&gt; &amp; Co" in theirs
    assert "ready?<br>Say" in theirs


def test_the_socket_push_writes_the_same_message_as_the_page():
    pushed = Template('{% include "messaging/chat_message_live.html" %}').render(
        Context({"message": _message(sender_id=9, status="read"), "thread_id": 3, "me": 9})
    )

    assert pushed.startswith('<div hx-swap-oob="beforeend:#chat-log-3">')
    assert _same(message_html(_message(sender_id=9, status="read"), 9)) in _same(pushed)


def test_the_live_receipts_are_written_as_the_receipt_include_wrote_them():
    receipts = [
        {"id": 5, "status": "sent"},
        {"id": 6, "status": "delivered"},
        {"id": 7, "status": "read"},
        {"id": 8, "status": "<b>\"odd\"</b> & 'more'"},
    ]

    for some in ([], receipts[2:3], receipts):
        written = render_to_string("messaging/chat_receipts.html", {"receipts": some})

        assert written == RECEIPTS.render(Context({"receipts": some})), some
    assert written.count('hx-swap-oob="true"') == 4
