"""Template context every page needs: the hospital's name and the signed-in user's navigation."""

from django.conf import settings

from hms.navigation import nav_for


def hospital(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "HOSPITAL_NAME": settings.HOSPITAL_NAME,
        "nav_items": nav_for(user) if signed_in else [],
        "IDLE_TIMEOUT_SECONDS": settings.IDLE_TIMEOUT_SECONDS,
    }
