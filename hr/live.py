"""Live updates of hr: none yet. PUBLISHES (kept true by tests/hms/test_live_topics.py) says so
on purpose for each service."""

# Every state-changing service and the groups it refreshes. An empty list is a choice: no open
# page shows what the service changes live (it shows on next load).
PUBLISHES: dict[str, list[str]] = {
    "attendance_mark": [],
    # Leave: the applicant's own "My leave" pages (user.<id>, with the bell) and the
    # administrator's bell are refreshed through the person's own group, not a topic.
    "leave_apply": [],
    "leave_withdraw": [],
    "leave_cancel": [],
    "leave_approve": [],
    "leave_reject": [],
    "leave_type_update": [],
    "closure_day_add": [],
    "closure_day_remove": [],
}
