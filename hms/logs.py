"""The request id every log line carries: one per page request (nginx's X-Request-ID when it is
well-formed, else one of our own), per websocket connection and per Huey task.

The id lives in a context variable, so it follows a request through sync_to_async threads and a
websocket through its consumer's task; RequestIdFilter copies it onto every log record, where
the plain and the JSON formats print it.
"""

import contextvars
import logging
import re
import uuid

# nginx's $request_id is 32 hex digits; a load balancer's may be a UUID. Anything else (too long,
# with spaces, quotes or newlines that would forge a log line) is replaced by an id of our own.
WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
NO_REQUEST = "-"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "hms_request_id", default=NO_REQUEST
)


def new_request_id() -> str:
    """A fresh id: 32 lowercase hex digits, the same shape as nginx's $request_id."""
    return uuid.uuid4().hex


def request_id_from(offered: str | None) -> str:
    """The id offered by the proxy (a header value) when it is well-formed, else a fresh one."""
    if offered and WELL_FORMED.match(offered):
        return offered
    return new_request_id()


def current_request_id() -> str:
    """The id of the request, socket or task this code runs for; "-" outside any of them."""
    return _request_id.get()


def bind_request_id(request_id: str) -> contextvars.Token:
    """Make `request_id` the current id; hand the token back to unbind_request_id()."""
    return _request_id.set(request_id)


def unbind_request_id(token: contextvars.Token) -> None:
    """Restore the id that was current before the bind_request_id() that gave `token`."""
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (LOGGING puts it on the handlers, so records of every
    logger get it, third-party ones included). Django logs a page's 4xx and 5xx after the last
    middleware has returned, with the request attached: its id is taken from there."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id == NO_REQUEST:
            request_id = getattr(getattr(record, "request", None), "request_id", NO_REQUEST)
        record.request_id = request_id
        return True


def bind_task_ids() -> None:
    """Hook the project's Huey (HmsConfig.ready): a task logs under `task-<its id>`, and the id
    that was current before it (a page's, when tasks run inline) is back after it."""
    from huey.contrib.djhuey import HUEY

    @HUEY.pre_execute(name="hms.logs.task_id")
    def bind(task) -> None:  # noqa: ANN001
        task.hms_log_token = bind_request_id(f"task-{task.id}")

    @HUEY.post_execute(name="hms.logs.task_id")
    def unbind(task, task_value, exc) -> None:  # noqa: ANN001
        token = getattr(task, "hms_log_token", None)
        if token is not None:
            unbind_request_id(token)


# Record attributes the JSON lines leave out, beyond the standard ones: Django attaches the
# request to its 4xx/5xx lines, and its text is the full path, query string included (a
# patient search's name or phone number). The message already names the path.
NOT_LOGGED = ["request"]
