"""One way to refuse, one way to act.

Every business rule that says no raises a `Refusal` (each app names its own: BookingError,
BillingError, LabError…, all subclasses), carrying the sentence the person reads and, when it is
about one, the form field. Views turn it into a message or a form error here, in one place.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class Refusal(Exception):
    """A business action refused by a rule: str() is the sentence for the person, `field` the
    form field it is about (None: the form as a whole)."""

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field


def act(request: HttpRequest, action, *, done: str, then: str, **arguments) -> HttpResponse:
    """Carry out one posted action: call the service `action(actor=…, request=…, **arguments)`,
    say `done` on success or the refusal's sentence otherwise, and go to `then` (a URL)."""
    try:
        action(actor=request.user, request=request, **arguments)
    except Refusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect(then)


def refuse_into(form, refusal: Refusal) -> None:
    """Show a refusal on its form: beside its field when the form has it, else above the form."""
    field = refusal.field if refusal.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(refusal))


def refuse_beside(request: HttpRequest, form, refusal: Refusal) -> None:
    """Show a refusal beside its field when the form has that field, else as a message above the
    page: a refusal about the record (already cancelled, already has a login) may come from a
    page that no longer shows the form."""
    if refusal.field is not None and refusal.field in getattr(form, "fields", {}):
        refuse_into(form, refusal)
    else:
        messages.error(request, str(refusal))
