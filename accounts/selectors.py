"""Reads of accounts that screens show: the authenticator app's enrolment page."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


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
