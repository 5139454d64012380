"""Background account work (Huey): e-mail leaves the request, so a slow mail server neither
delays a page nor reveals, by its timing, whether an address has an account."""

from django.core.mail import EmailMessage
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=60)
def deliver_email(message: EmailMessage) -> None:
    """Send one prepared message (retried a few times when the mail server is down)."""
    message.send()
