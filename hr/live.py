"""Live updates of hr: the topics its pages join, who may join them, and which services refresh
them (PUBLISHES, kept true by tests/hms/test_live_topics.py).

"leave.<user id>": one person's "My leave" page (their requests and balances), joined only by
that person."""

from hms import params, rbac

LEAVE_PREFIX = "leave."


def leave_topic(user_id: int) -> str:
    return f"{LEAVE_PREFIX}{user_id}"


def may_join_leave(user, topic: str) -> bool:
    """Only the person whose leave it is, on their own page."""
    return rbac.allows(user, "hr.self_service") and params.db_id(
        topic.removeprefix(LEAVE_PREFIX)
    ) == getattr(user, "pk", None)


TOPICS = {"leave": may_join_leave}

# Every state-changing service and the groups it refreshes. An empty list is a choice: no open
# page shows what the service changes live (it shows on next load). The team's day and the
# roster are read by one administrator, who reloads them; a sign-in refreshing every open
# admin page would cost more than it tells.
PUBLISHES: dict[str, list[str]] = {
    "attendance_mark": [],
    # Leave: the applicant's "My leave" page (leave.<user>); the bells (notify) go to user.<id>.
    "leave_apply": ["leave.<user>"],
    "leave_withdraw": ["leave.<user>"],
    "leave_cancel": ["leave.<user>"],
    "leave_approve": ["leave.<user>"],
    "leave_reject": ["leave.<user>"],
    "leave_type_update": [],
    "closure_day_add": [],
    "closure_day_remove": [],
    "attendance_sign_in": [],
    "attendance_sign_out": [],
    "attendance_close_forgotten": [],
    "shift_save": [],
    "roster_assign": [],
    "roster_unassign": [],
    "roster_copy_week": [],
    "roster_assign_department": [],
}
