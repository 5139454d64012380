"""The CSRF token of a page, masked as Django masks it, in a few calls instead of ~490.

Django masks the session's CSRF secret afresh for every page (BREACH: the token in the HTML never
repeats) with a random mask of 32 characters drawn one `secrets.choice` at a time, then adds mask
and secret character by character through two generators: about 490 Python calls, half a
millisecond of every page with a form (tests/bench/pages.py, issue 14). `mask_cipher_secret` does
the same: a mask uniform over the 62 allowed characters from the operating system's random
bytes (each byte under 248 = 4 × 62 taken modulo 62, the rest drawn again: no bias), and
`(secret + mask) mod 62` per character. Django's `_unmask_cipher_token` reads it back; the CSRF
check is Django's own, unchanged (tests/hms/test_csrf_tokens.py).
"""

import secrets

from django.middleware import csrf

ALLOWED = csrf.CSRF_ALLOWED_CHARS
LENGTH = csrf.CSRF_SECRET_LENGTH
_INDEX = {char: position for position, char in enumerate(ALLOWED)}
# The largest multiple of 62 a byte can be: bytes from it up are drawn again.
UNBIASED_BELOW = 256 - 256 % len(ALLOWED)


def random_mask() -> list[int]:
    """LENGTH positions in ALLOWED, each uniform and independent (os.urandom via secrets)."""
    mask: list[int] = []
    while len(mask) < LENGTH:
        mask += [
            byte % len(ALLOWED) for byte in secrets.token_bytes(LENGTH + 8) if byte < UNBIASED_BELOW
        ]
    return mask[:LENGTH]


def mask_cipher_secret(secret: str) -> str:
    """The token for `secret` (LENGTH characters of ALLOWED): the mask, then each secret
    character shifted by its mask character, as django.middleware.csrf._mask_cipher_secret."""
    mask = random_mask()
    size = len(ALLOWED)
    return "".join([ALLOWED[position] for position in mask]) + "".join(
        [ALLOWED[(_INDEX[char] + shift) % size] for char, shift in zip(secret, mask, strict=True)]
    )


def install() -> None:
    """Django's get_token masks with mask_cipher_secret (hms.apps, at start-up)."""
    csrf._mask_cipher_secret = mask_cipher_secret
