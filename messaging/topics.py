"""Topic groups a page may ask its socket to join, each with the check the page itself makes.

Apps register their topics in AppConfig.ready(): `register("beds", can_see_bed_board)`. A topic
is `<prefix>` or `<prefix>.<rest>` (`thread.42`, `doctor.7.today`); the check gets the user and
the whole topic, so it can make the object-level decision too.
"""

from collections.abc import Callable

from hms.realtime import GROUP_NAME

TopicCheck = Callable[[object, str], bool]
_checks: dict[str, TopicCheck] = {}


def register(prefix: str, check: TopicCheck) -> None:
    _checks[prefix] = check


def allowed(user, topic: str) -> bool:
    """Whether `user` may join `topic` (unknown topics and malformed names are refused)."""
    if not GROUP_NAME.match(topic):
        return False
    check = _checks.get(topic.split(".", 1)[0])
    if check is None:
        return False
    return bool(check(user, topic))


def parse(query_value: str, limit: int = 10) -> list[str]:
    topics = [t.strip() for t in query_value.split(",") if t.strip()]
    return list(dict.fromkeys(topics))[:limit]
