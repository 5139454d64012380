"""Counts shown in the navigation of every signed-in page."""

from functools import cache, partial

from hms import rbac
from messaging.selectors import navigation_counts


def notifications(request) -> dict:
    """The bell's and the chat badge's counts in every signed-in page's navigation.

    Both are counted, in one query, when a template first shows one (memoized callables, which
    the template language calls): an htmx fragment without the navigation asks nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    chat = rbac.allows(user, "chat.use")
    counts = cache(partial(navigation_counts, user, chat=chat))
    context = {"unread_count": lambda: counts()[0]}
    if chat:
        context["chat_unread"] = lambda: counts()[1]
    return context
