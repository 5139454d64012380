"""Signals accounts sends for others to act on (accounts imports no app; messaging listens)."""

from django.dispatch import Signal

# A change to how someone signs in that they must hear about (a new authenticator app, say).
# Sent after commit with `user` and `text` (one plain sentence for the person).
security_event = Signal()
