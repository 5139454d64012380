"""Capture the project's log lines, as the JSON handler of LOGGING writes them, at DEBUG."""

import copy
import io
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from hms import logs


def json_formatter() -> logging.Formatter:
    """The formatter settings.LOGGING names "json", built as dictConfig builds it."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    return configurator.configure_formatter(copy.deepcopy(settings.LOGGING["formatters"]["json"]))


@contextmanager
def json_logs(level: int = logging.DEBUG) -> Iterator[io.StringIO]:
    """Every record at `level` or above, of every logger (Huey's, which does not propagate, and
    django.request's, which LOGGING keeps at ERROR, included), written to the yielded stream
    as JSON lines with their request ids."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(logs.RequestIdFilter())
    handler.setLevel(level)
    targets = [logging.getLogger(), logging.getLogger("huey")]
    lowered = [logging.getLogger(), logging.getLogger("django.request")]
    levels = [logger.level for logger in lowered]
    for logger in targets:
        logger.addHandler(handler)
    for logger in lowered:
        logger.setLevel(level)
    try:
        yield stream
    finally:
        for logger in targets:
            logger.removeHandler(handler)
        for logger, old in zip(lowered, levels, strict=True):
            logger.setLevel(old)
