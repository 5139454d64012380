"""Counts shown in the navigation of every signed-in page."""

from hms import rbac
from messaging.services import chat_unread_count, unread_count


def notifications(request) -> dict:
    """The bell's and the chat badge's counts in every signed-in page's navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_count": unread_count(user)}
    if rbac.has(user, "chat.use"):
        context["chat_unread"] = chat_unread_count(user)
    return context
