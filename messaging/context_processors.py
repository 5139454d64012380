"""Counts shown in the navigation of every signed-in page."""

from functools import cache, partial

from hms import rbac
from messaging.apps import URGENT_POPUP_SESSION_KEY
from messaging.selectors import navigation_counts, pinned_notifications


def notifications(request) -> dict:
    """The bell's and the chat badge's counts in every signed-in page's navigation.

    Both are counted, in one query, when a template first shows one (memoized callables, which
    the template language calls): an htmx fragment without the navigation asks nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    chat = rbac.allows(user, "chat.use")
    counts = cache(partial(navigation_counts, user, chat=chat))
    context = {
        "unread_count": lambda: counts()[0],
        "urgent_popup": partial(_urgent_popup, request, user),
    }
    if chat:
        context["chat_unread"] = lambda: counts()[1]
    return context


def _urgent_popup(request, user) -> list:
    """Once after signing in, on the first full page: the urgent notifications still waiting for
    acknowledgement (they arrived while the person was away). Empty afterwards."""
    session = getattr(request, "session", None)
    if session is None or not session.get(URGENT_POPUP_SESSION_KEY, False):
        return []
    if not _fully_signed_in(user):
        return []  # the code page or the new password's: patients' names wait for the next page
    session.pop(URGENT_POPUP_SESSION_KEY, None)
    return pinned_notifications(user)


def _fully_signed_in(user) -> bool:
    """Past the second factor (where one is set up or required) and the new password: what the
    sign-in leaves before any page shows a patient's name (accounts.middleware)."""
    from django_otp import user_has_device

    if getattr(user, "must_change_password", False):
        return False
    if user.is_verified():
        return True
    return not user.second_factor_required and not user_has_device(user, confirmed=True)
