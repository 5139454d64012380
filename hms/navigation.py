"""The main navigation: each entry names the capability it needs, so a role sees only its own.

Modules add their entries here as their screens land.
"""

from dataclasses import dataclass

from hms import rbac


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    capability: str
    description: str = ""


NAV: list[NavItem] = [
    NavItem("Dashboard", "dashboard", "speedometer2", rbac.SIGNED_IN, "Your day at a glance."),
    NavItem(
        "Chat",
        "chat_list",
        "chat-dots",
        "chat.use",
        "Messages with colleagues (and, for doctors, their patients).",
    ),
    NavItem(
        "Users",
        "user_list",
        "people",
        "users.manage",
        "Create staff and portal logins, change roles, deactivate leavers.",
    ),
    NavItem(
        "Audit log",
        "audit_list",
        "shield-check",
        "audit.view",
        "Who did what and when; check that no entry was altered.",
    ),
]


def nav_for(user) -> list[NavItem]:
    return [item for item in NAV if rbac.has(user, item.capability)]
