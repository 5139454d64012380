"""Live updates of hr: none yet. PUBLISHES (kept true by tests/hms/test_live_topics.py) says so
on purpose for each service."""

# Every state-changing service and the groups it refreshes. An empty list is a choice: no open
# page shows what the service changes live (it shows on next load). The team's day and the
# roster are read by one administrator, who reloads them; a sign-in refreshing every open
# admin page would cost more than it tells.
PUBLISHES: dict[str, list[str]] = {
    "attendance_mark": [],
    "attendance_sign_in": [],
    "attendance_sign_out": [],
    "attendance_close_forgotten": [],
    "shift_save": [],
    "roster_assign": [],
    "roster_unassign": [],
    "roster_copy_week": [],
    "roster_assign_department": [],
}
