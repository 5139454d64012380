"""Huey tasks log under an id of their own (the task's id), as pages do under their request's."""

from hms import logs


def install() -> None:
    """Hook the project's Huey: bind the task's id before each task runs, restore the id that
    was current before it (a page's, when tasks run inline) after it."""
    from huey.contrib.djhuey import HUEY

    @HUEY.pre_execute(name="hms.log_request_id")
    def bind(task) -> None:  # noqa: ANN001
        task.hms_log_token = logs.bind_request_id(f"task-{task.id}")

    @HUEY.post_execute(name="hms.log_request_id")
    def unbind(task, task_value, exc) -> None:  # noqa: ANN001
        token = getattr(task, "hms_log_token", None)
        if token is not None:
            logs.unbind_request_id(token)
