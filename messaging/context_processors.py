"""Counts shown in the navigation of every signed-in page."""

from functools import cache, partial

from hms import rbac
from messaging.selectors import chat_unread_count, unread_count


def notifications(request) -> dict:
    """The bell's and the chat badge's counts in every signed-in page's navigation.

    Each is counted when a template first shows it (a memoized callable, which the template
    language calls): an htmx fragment without the navigation asks the database nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_count": cache(partial(unread_count, user))}
    if rbac.allows(user, "chat.use"):
        context["chat_unread"] = cache(partial(chat_unread_count, user))
    return context
