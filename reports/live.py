"""Live updates of the reports: the audit log's topic (every audited action publishes its row to
it, hms.audit) and who may join it. Reports' one service (an export, reports.services) changes
nothing a page shows, so it publishes nothing."""

from hms import rbac
from hms.audit import AUDIT_TOPIC


def may_join_audit(user, topic: str) -> bool:
    return rbac.allows(user, "audit.view")


# Topic prefix -> the check a page makes before showing it (registered by ReportsConfig.ready).
TOPICS = {AUDIT_TOPIC: may_join_audit}

# Service -> the topics it refreshes (tests/hms/test_live_topics.py): an export refreshes none.
PUBLISHES: dict[str, list[str]] = {"analytics_export": []}
