"""The kinds of notification (Notification.kind): how the list groups them, which are urgent (never
muted, pinned until acknowledged) and which escalate when nobody acknowledges them."""

# Sent urgent every time: pinned until acknowledged, never muted.
URGENT_KINDS = {
    "critical_result": "Critical results",
    "news2": "Early-warning score (NEWS2) alerts",
    "security": "Sign-in and account security",
    "equipment_fault": "Equipment faults",
}

# Routine: grouped in the list; each person may mute one (kept, but no pop-up and already read).
ROUTINE_KINDS = {
    "lab_result": "Lab results",
    "appointment": "Appointments",
    "admission": "Admissions and discharges",
    "leave": "Leave",
    "equipment_repair": "Equipment repairs",
    "maintenance": "Preventive maintenance",
}

# Clinical alerts passed on to a second doctor and the admins when not acknowledged in time
# (HMS_URGENT_ESCALATION_MINUTES).
ESCALATING_KINDS = ("critical_result", "news2")


def label(kind: str) -> str:
    """The heading a kind is listed under ("Other" for the unnamed and older notifications)."""
    return URGENT_KINDS.get(kind) or ROUTINE_KINDS.get(kind) or "Other"
