"""Topic groups a page may ask its socket to join, each with the check the page itself makes.

Each app declares its topics once, in `<app>/live.py` (`TOPICS = {"beds": may_join_beds}`, with
the services that publish to them in `PUBLISHES`), and its AppConfig.ready() registers that
module: `topics.register_all(live.TOPICS)`. A topic is `<prefix>` or `<prefix>.<rest>`
(`thread.42`, `doctor.7.today`); the check gets the user and the whole topic, so it can make the
object-level decision too.
"""

from collections.abc import Callable, Mapping

from hms.realtime import GROUP_NAME

TopicCheck = Callable[[object, str], bool]
_checks: dict[str, TopicCheck] = {}


def register(prefix: str, check: TopicCheck) -> None:
    _checks[prefix] = check


def register_all(checks: Mapping[str, TopicCheck]) -> None:
    """Register an app's topics (its live module's TOPICS: prefix -> check)."""
    for prefix, check in checks.items():
        register(prefix, check)


def registered() -> dict[str, TopicCheck]:
    return dict(_checks)


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
