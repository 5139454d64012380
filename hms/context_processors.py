"""Template context every page needs: the hospital's name and the signed-in user's navigation."""

from django.conf import settings

from hms.navigation import nav_for


def hospital(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    items = nav_for(user) if signed_in else []
    return {
        "HOSPITAL_NAME": settings.HOSPITAL_NAME,
        "nav_items": [item for item in items if item.place == "main"],
        "nav_admin_items": [item for item in items if item.place == "admin"],
        "nav_me_items": [item for item in items if item.place == "me"],
        "IDLE_TIMEOUT_SECONDS": settings.IDLE_TIMEOUT_SECONDS,
    }
