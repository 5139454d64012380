"""One submission, one effect: the guard against double clicks, resent forms and retries.

Every form that changes money or a record carries a one-time token (`{% submission_field %}`,
a random UUID made when the page is drawn). The service that acts calls `claim()` first, inside
its own transaction: the token becomes a row of SubmissionReceipt (its primary key). The same
token arriving again, at once or later, cannot insert that row: on PostgreSQL the second
transaction waits for the first and then meets the unique key; on SQLite writes are serialized
anyway. It then raises AlreadySubmitted carrying the first result, and the view shows that result
instead of an error. A failed action rolls its row back with everything else, so correcting the
form and sending it again works.

Services also lock the row they change (hms.locking.locked), so two *different* submissions that
race (two desks, two tabs) are serialized and checked one after the other.
"""

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from hms.models import SubmissionReceipt

FIELD = "submission"


class AlreadySubmitted(Exception):
    """The same submission was already carried out; `receipt` says what it produced."""

    def __init__(self, receipt: SubmissionReceipt):
        self.receipt = receipt
        super().__init__("This was already done; here is the first result.")

    @property
    def result(self) -> Model | None:
        """The object the first submission produced (a Payment, an Appointment…), if any."""
        if not self.receipt.object_type:
            return None
        model = apps.get_model(self.receipt.object_type)
        return model.objects.filter(pk=self.receipt.object_id).first()


def token_from(request: HttpRequest | None) -> uuid.UUID | None:
    """The submission token a form posted, or None (no form, or not a UUID)."""
    if request is None:
        return None
    if request.method != "POST":
        return None
    value = request.POST.get(FIELD, "")
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def new_token() -> str:
    return str(uuid.uuid4())


def claim(token: uuid.UUID | str | None, *, actor, action: str) -> SubmissionReceipt | None:
    """Take `token` for `action`, inside the caller's transaction.

    Returns the receipt to `complete()` once the action has its result, or None when no token
    came (a caller without a form: a task, a test, seed data). Raises AlreadySubmitted when the
    token was taken before (or is being taken by a transaction that then commits).
    """
    if token is None:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the transaction of the action it guards")
    token = token if isinstance(token, uuid.UUID) else uuid.UUID(str(token))
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            return SubmissionReceipt.objects.create(
                token=token, action=action, user=user, created_at=timezone.now()
            )
    except IntegrityError:
        raise AlreadySubmitted(SubmissionReceipt.objects.get(token=token)) from None


def complete(receipt: SubmissionReceipt | None, result: Model | None) -> None:
    """Remember what the submission produced, so a repeat can show it."""
    if receipt is None or result is None:
        return
    receipt.object_type = result._meta.label
    receipt.object_id = str(result.pk)
    receipt.save(update_fields=["object_type", "object_id"])


# The outermost guarded service of a request claims the token; services it calls (advance_apply
# taking payments) act as part of it.
_inside_guarded: ContextVar[bool] = ContextVar("hms_inside_guarded_service", default=False)


def once(action: str) -> Callable:
    """Decorate a service (under its @transaction.atomic) so one submission acts once.

        @transaction.atomic
        @submissions.once("payment.take")
        def payment_take(*, actor, invoice, amount, ..., request=None) -> Payment: ...

    The token is the `submission=` keyword when given, otherwise the one the form posted with
    `request` (every service already takes the request for its audit row). It is claimed before
    the service acts and completed with what it returns. Without a token (a task, seed data) the
    service simply acts. Raises AlreadySubmitted, before acting, when the token was used; views
    may catch it, and DuplicateSubmissionMiddleware answers it for those that do not.
    """

    def decorate(service: Callable) -> Callable:
        @wraps(service)
        def guarded(*args, submission: uuid.UUID | str | None = None, **kwargs):
            if _inside_guarded.get():
                return service(*args, **kwargs)
            token = submission if submission is not None else token_from(kwargs.get("request"))
            receipt = claim(token, actor=kwargs.get("actor"), action=action)
            marker = _inside_guarded.set(True)
            try:
                result = service(*args, **kwargs)
            finally:
                _inside_guarded.reset(marker)
            first = result[0] if isinstance(result, list | tuple) and result else result
            complete(receipt, first if isinstance(first, Model) else None)
            if receipt is not None and kwargs.get("request") is not None:
                # DuplicateSubmissionMiddleware writes where the answer went (result_path).
                kwargs["request"].hms_claimed_submission = receipt.token
            return result

        guarded.submission_action = action
        return guarded

    return decorate
