"""Reads of accounts that screens show: the authenticator app's enrolment page, a user's history."""

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from hms import paging
from hms.models import AuditEntry
from hms.paging import FirstFew


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def otp_setup_page(user: User, device: TOTPDevice, *, replacing: bool) -> dict:
    """The enrolment page of `device` (not confirmed yet): its QR code and key to type, whether
    the user must have a second factor, and whether the app moves to a new phone."""
    return {
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
        "required": user.second_factor_required,
        "replacing": replacing,
        # Until the code is confirmed every other page sends the user back here.
        "hide_navigation": user.second_factor_required and not user.is_verified(),
    }


USER_HISTORY_SIZE = 10


def user_history(subject: User) -> FirstFew:
    """The newest USER_HISTORY_SIZE audit entries about `subject` (the user edit page's panel)
    and how many there are in all."""
    entries = AuditEntry.objects.filter(object_type=User._meta.label, object_id=str(subject.pk))
    return paging.first_of(entries.order_by("-id"), USER_HISTORY_SIZE)


def user_history_url(subject: User) -> str:
    """The audit log filtered to the entries about `subject` (all of the panel's history)."""
    query = urlencode({"object_type": User._meta.label, "object_id": subject.pk})
    return f"{reverse('audit_list')}?{query}"
