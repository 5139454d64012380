"""Counts shown in the navigation of every signed-in page."""

from functools import cache, partial

from hms import rbac
from messaging.apps import URGENT_POPUP_SESSION_KEY
from messaging.selectors import navigation_counts, pinned_notifications


def notifications(request) -> dict:
    """The bell's counts (unread; urgent waiting for acknowledgement) and the chat badge's in
    every signed-in page's navigation.

    Both are counted, in one query, when a template first shows one (memoized callables, which
    the template language calls): an htmx fragment without the navigation asks nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    chat = rbac.allows(user, "chat.use")
    counts = cache(partial(navigation_counts, user, chat=chat))
    context = {
        "unread_count": lambda: counts()[0],
        "urgent_waiting": lambda: counts()[1],
        # The pinned list of a page that shows it (the dashboards): asked only when one waits.
        "urgent_pinned": cache(lambda: pinned_notifications(user) if counts()[1] else []),
        "urgent_popup": partial(_urgent_popup, request, user),
    }
    if chat:
        context["chat_unread"] = lambda: counts()[2]
    return context


def _urgent_popup(request, user) -> list:
    """Once after signing in, on the first full page: the urgent notifications still waiting for
    acknowledgement (they arrived while the person was away). Empty afterwards."""
    session = getattr(request, "session", None)
    if session is None or not session.get(URGENT_POPUP_SESSION_KEY, False):
        return []
    if not _fully_signed_in(request, user):
        return []  # the code page or the new password's: patients' names wait for the next page
    session.pop(URGENT_POPUP_SESSION_KEY, None)
    return pinned_notifications(user)


def _fully_signed_in(request, user) -> bool:
    """Past the second factor and the new password: not one of the pages the sign-in leads
    through before any page shows a patient's name (accounts.middleware sends every other page
    there while they are due). No query."""
    from accounts.middleware import PASSWORD_CHANGE_PAGES, SECOND_FACTOR_PAGES

    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    if url_name in SECOND_FACTOR_PAGES or url_name in PASSWORD_CHANGE_PAGES:
        return False
    return not (user.second_factor_required and not user.is_verified())
