"""`{% chat_messages chat_messages me %}` and `{% chat_message message me %}`: a conversation's
messages written out in Python, the thread page's 30 and the one a socket pushes alike;
`{% chat_receipt id status oob=True %}` the live receipt updates, with the same receipt's words.

A page of 30 messages included `messaging/_chat_message.html` 30 times, and its receipt's
include in each of the reader's own: about a third of the chat thread's time
(tests/bench/pages.py --only "chat thread" --profile). The markup is the includes' own
(tests/messaging/test_chat_rows.py compares them), every value escaped, a body's line breaks
kept as `linebreaksbr` keeps them.
"""

from html import escape

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The receipt's words by status: here only, for the page's rows and the live updates alike.
_RECEIPT = {
    "read": '<i class="bi bi-check2-all" aria-hidden="true"></i> Read',
    "delivered": '<i class="bi bi-check2-all" aria-hidden="true"></i> Delivered',
}
_SENT = '<i class="bi bi-check2" aria-hidden="true"></i> Sent'


def receipt_html(message_id: int, status: str, *, oob: bool = False) -> str:
    """My message's receipt (sent / delivered / read); `oob` for the live update that replaces
    the one on the page (templates/messaging/chat_receipts.html)."""
    swap = ' hx-swap-oob="true"' if oob else ""
    return (
        f'<span id="receipt-{escape(str(message_id))}" class="chat-receipt chat-receipt-'
        f'{escape(str(status))}" data-status="{escape(str(status))}"{swap}>'
        f"{_RECEIPT.get(status, _SENT)}</span>"
    )


def _body(text: str) -> str:
    """A body as `linebreaksbr` writes it (escaped, each line break a <br>); one without a line
    break, nearly every one, is only escaped (linebreaksbr's filter machinery cost a third of
    a message's markup)."""
    if "\n" in text or "\r" in text:
        return linebreaksbr(text, autoescape=True)
    return escape(text)


def message_html(message: dict, me: int) -> str:
    """One message (messaging.selectors.message_event, with its "status" for my own) as the
    person `me` (a user id) sees it: mine on the right with its receipt, theirs with the name."""
    mine = message["sender_id"] == me
    sender = "" if mine else f'<div class="chat-sender">{escape(message["sender_name"])}</div>'
    receipt = " " + receipt_html(message["id"], message.get("status") or "sent") if mine else ""
    return (
        f'<div class="chat-msg {"chat-mine" if mine else "chat-theirs"}" id="msg-{message["id"]}"'
        f' data-message-id="{message["id"]}">\n{sender}\n'
        f'<div class="chat-body">{_body(message["body"])}</div>\n'
        f'<div class="chat-meta"><span title="{escape(message["date"])}">'
        f"{escape(message['time'])}</span>{receipt}</div>\n</div>"
    )


@register.simple_tag
def chat_messages(messages: list[dict], me: int) -> SafeString:
    """The page's messages, oldest first, as `me` sees them (message_html)."""
    return mark_safe("".join(message_html(message, me) for message in messages))  # noqa: S308


@register.simple_tag
def chat_message(message: dict, me: int) -> SafeString:
    """One message as `me` sees it: the one a socket pushes (message_html)."""
    return mark_safe(message_html(message, me))  # noqa: S308 (every value escaped)


@register.simple_tag
def chat_receipt(message_id: int, status: str, oob: bool = False) -> SafeString:
    """One receipt: the live update's (receipt_html)."""
    return mark_safe(receipt_html(message_id, status, oob=oob))  # noqa: S308 (every value escaped)
