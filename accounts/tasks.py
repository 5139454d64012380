"""Background account work (Huey): e-mail leaves the request, so a slow mail server neither
delays a page nor reveals, by its timing, whether an address has an account."""

import logging

from django.core.mail import EmailMessage
from huey.contrib.djhuey import task
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@task(retries=3, retry_delay=60)
def deliver_email(message: EmailMessage) -> None:
    """Send one prepared message (retried a few times when the mail server is down)."""
    message.send()


def send_in_background(message: EmailMessage) -> None:
    """Queue `message` for the worker; when the queue itself is down (Redis stopped), send it
    from here instead, so a password reset or a security notice still leaves (slower, once)."""
    try:
        deliver_email(message)
    except (RedisError, OSError) as error:
        logger.warning("mail: the task queue refused the message (%s); sending it now", error)
        message.send(fail_silently=True)
