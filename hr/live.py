"""Live updates of hr: none yet. PUBLISHES (kept true by tests/hms/test_live_topics.py) says so
on purpose for each service."""

# Every state-changing service and the groups it refreshes. An empty list is a choice: no open
# page shows what the service changes live (it shows on next load).
PUBLISHES: dict[str, list[str]] = {
    "attendance_mark": [],
}
