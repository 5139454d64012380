"""Live updates of accounts: no topics of its own (accounts imports only hms), and which services
reach open pages (PUBLISHES, kept true by tests/hms/test_live_topics.py): signing someone out
closes their sockets through their `user.<id>` group."""

# Every state-changing service and the groups it refreshes (`<...>` is an id). An empty list is a
# choice: no open page shows what the service changes live (it shows on next load).
PUBLISHES: dict[str, list[str]] = {
    "user_create": [],
    # Deactivating (user_update with is_active off, user_set_active) ends the user's sessions.
    "user_update": [],
    "user_set_active": [],
    "user_set_password": ["user.<user>"],
    "totp_confirm": [],
    "totp_remove": ["user.<user>"],
}
