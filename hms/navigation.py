"""The main navigation: each entry names the capability it needs, so a role sees only its own.

Modules add their entries here as their screens land.
"""

from dataclasses import dataclass, replace
from functools import cache, cached_property
from types import SimpleNamespace

from django.urls import reverse

from hms import rbac


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    capability: str
    description: str = ""
    # What a patient sees instead (their own record, not "Patients"), and its card's words.
    patient_label: str = ""
    patient_description: str = ""
    # Only roles holding one of these scopes of the capability (as the view's own check).
    scopes: frozenset[str] | None = None
    # Where it shows: the main bar, the "Administration" menu, the user's own menu, only as
    # a tool of the bar (the chat badge) and a dashboard card, or only as a dashboard card.
    place: str = "main"
    # Where it shows for the administrator instead (who holds every capability: their bar must
    # still fit a 1280 px screen), when not where everyone else sees it.
    admin_place: str = ""

    @cached_property
    def href(self) -> str:
        """The entry's address, reversed once per process (every page shows the menu)."""
        return reverse(self.url_name)


NAV: list[NavItem] = [
    NavItem(
        "Patients",
        "patient_list",
        "person-vcard",
        "patients.view_chart",
        "Find a patient by name, MRN or phone; register new patients.",
        patient_label="My record",
        patient_description="Your details as the hospital holds them.",
    ),
    NavItem(
        "Appointments",
        "appointment_list",
        "calendar-week",
        "appointments.view",
        "The day's appointments; book, move, cancel and check patients in.",
        patient_label="My appointments",
        patient_description="Your appointments: book, move or cancel one.",
    ),
    NavItem(
        "Queue",
        "queue_overview",
        "people",
        "queue.view",
        "Today's queue at every service point: who waits, call the next, send patients on.",
        # The desk's, nurses' and doctors' bar; the administrator's is full (see Chat).
        admin_place="admin",
    ),
    NavItem(
        "Bed board",
        "bed_board",
        "hospital",
        "patients.view_chart",
        "Every ward's beds, live: admit, transfer, discharge, get beds cleaned.",
        scopes=frozenset({rbac.ALL, rbac.DEMOGRAPHICS}),
    ),
    NavItem(
        "Billing",
        "outstanding",
        "receipt",
        "billing.invoices",
        "Outstanding invoices by age, insurance claims; patients' accounts, payments and receipts.",
        scopes=frozenset({rbac.ALL}),
    ),
    NavItem(
        "My invoices",
        "portal_invoices",
        "receipt",
        "billing.invoices",
        "Your invoices and receipts, to view and download.",
        scopes=frozenset({rbac.OWN}),
    ),
    NavItem(
        "Lab",
        "lab_worklist",
        "eyedropper",
        "tests.process",
        "Tests to collect, run and verify, most urgent first; tests past their target.",
    ),
    NavItem(
        "Pharmacy",
        "dispense_queue",
        "capsule",
        "pharmacy.dispense",
        "Prescriptions waiting, live: dispense by batch, labels, returns; over-the-counter sales.",
        # The administrator's bar is full (see Chat): theirs is in the Administration menu.
        admin_place="admin",
    ),
    NavItem(
        "My results",
        "lab_portal_results",
        "clipboard2-data",
        "tests.view_results",
        "Your verified test results and reports.",
        scopes=frozenset({rbac.OWN_VERIFIED}),
    ),
    NavItem(
        "Machines",
        "machine_list",
        "tools",
        "engineering.machines",
        "The asset register: every machine, its status and history, QR labels.",
    ),
    NavItem(
        "Downtime and availability",
        "engineering_overview",
        "graph-up",
        "engineering.machines",
        "Hours down, availability, failures, MTBF, MTTR and maintenance done on time, for any"
        " period: the hospital, each department, each machine; a CSV.",
        # A card on the dashboard beside Machines: the bar has no room for a second engineering
        # link on the administrator's 1280 px screen (see Chat), and the queue, the dashboard and
        # every machine's page link to it.
        place="card",
    ),
    NavItem(
        "Stock",
        "stock_levels",
        "box-seam",
        # The stores' people (pharmacist, the ward's nurse) have it in the bar; a doctor sees
        # stock levels from the prescription form. The administrator's bar is full and the
        # Administration menu must fit a 1024×600 tablet: a dashboard card.
        "pharmacy.stock_move",
        "Stock on hand per store, receipts from suppliers, transfers, ward stores, stock takes.",
        admin_place="card",
    ),
    NavItem(
        "Stock reports",
        "stock_reports",
        "clipboard-data",
        "pharmacy.reports",
        "Stock on hand and its value per store; consumption, expiring batches, dispensing by"
        " doctor; a CSV of each.",
        place="card",
    ),
    NavItem(
        "Chat",
        "chat_list",
        "chat-dots",
        "chat.use",
        "Messages with colleagues (and, for doctors, their patients).",
        patient_description="Messages with your doctors.",
        # The bar's chat badge (its count of unread messages) is the way in; a link beside it
        # would say the same, and the admin's bar would no longer fit a 1280 px screen.
        place="tools",
    ),
    NavItem(
        "Attendance",
        "my_attendance",
        "fingerprint",
        "hr.self_service",
        "Your shifts this week and next and the hours you worked; the attendance button.",
        place="me",
    ),
    NavItem(
        "Report a machine fault",
        "machine_find",
        "wrench-adjustable",
        "engineering.request",
        "Find a machine by its asset tag (or scan its label) and tell engineering what is wrong.",
        place="me",
    ),
    NavItem(
        "Users",
        "user_list",
        "people",
        "users.manage",
        "Create staff and portal logins, change roles, deactivate leavers.",
        place="admin",
    ),
    NavItem(
        "Schedules",
        "schedule_list",
        "clock",
        "schedules.manage",
        "Doctors' weekly clinic hours, slot lengths, fees and days off.",
        place="admin",
    ),
    NavItem(
        "Wards",
        "ward_list",
        "grid-3x3-gap",
        "wards.manage",
        "Open wards, add beds, take beds out of service and back, set each ward's charge item.",
        place="admin",
    ),
    NavItem(
        "Charges",
        "charge_master",
        "tags",
        "billing.charge_master",
        "The charge master: every billable service, its price, tax and price history.",
        place="admin",
    ),
    NavItem(
        "Formulary",
        "formulary_list",
        "capsule",
        "pharmacy.formulary",
        "Drugs and supplies the hospital stocks: forms, strengths, prices, reorder levels, stock.",
        # The pharmacist's bar; the administrator's is full, so theirs is beside Charges.
        admin_place="admin",
    ),
    NavItem(
        "Test catalogue",
        "lab_catalogue",
        "list-check",
        "tests.catalogue",
        "Lab and imaging tests: result fields, reference ranges, prices, turnaround targets.",
        place="admin",
    ),
    NavItem(
        "Service points",
        "queue_setup",
        "display",
        "queue.setup",
        "The queue's service points and the waiting-area TVs' addresses.",
        place="admin",
    ),
    NavItem(
        "Analytics",
        "analytics_dashboard",
        "graph-up-arrow",
        "analytics.view",
        "Figures for any period as charts and tables; each panel as a CSV, all as a workbook.",
        # The accountant's bar (the finance part); the administrator's is full.
        admin_place="admin",
    ),
    NavItem(
        "Audit log",
        "audit_list",
        "shield-check",
        "audit.view",
        "Who did what and when; check that no entry was altered.",
        place="admin",
    ),
    # Leave (issue 17).
    NavItem(
        "My leave",
        "my_leave",
        "calendar-heart",
        "hr.self_service",
        "Apply for leave, see what you have left and what was decided.",
        place="me",
    ),
    NavItem(
        "Leave requests",
        "leave_queue",
        "calendar-check",
        "hr.approve_leave",
        "Approve or refuse staff leave; what was decided lately.",
        place="admin",
    ),
    NavItem(
        "Who is away",
        "leave_away",
        "calendar3",
        "hr.approve_leave",
        "Approved leave by day and department, two weeks at a time.",
        place="card",
    ),
    NavItem(
        "Leave balances",
        "leave_balances",
        "table",
        "hr.approve_leave",
        "Each person's days of each leave type: entitled, carried over, taken, waiting, left.",
        place="card",
    ),
    NavItem(
        "Leave types",
        "leave_types",
        "sliders",
        "hr.approve_leave",
        "Leave types, days a year per role, carry-over and documents required.",
        place="admin",
    ),
    NavItem(
        "Closure days",
        "closure_days",
        "calendar-x",
        "hr.approve_leave",
        "Days the hospital closes beyond public holidays: not counted as leave.",
        place="card",
    ),
    NavItem(
        "Team attendance",
        "team_attendance",
        "person-check",
        "hr.approve_leave",
        "Who is in now, late, absent or on leave today, by department; overtime.",
        # A dashboard card (and a link from the roster): the Administration menu must still
        # fit a 1024×600 tablet.
        place="card",
    ),
    NavItem(
        "Roster",
        "roster",
        "calendar-week",
        "hr.approve_leave",
        "Who works which shift on which day: a week by department; copy last week.",
        place="admin",
    ),
    NavItem(
        "Attendance report",
        "attendance_report",
        "table",
        "hr.approve_leave",
        "Each person's month: days present, late, absent, leave, hours and overtime; a CSV.",
        place="card",
    ),
]


_ADMIN_ITEMS: dict[NavItem, NavItem] = {}


def _as_admin(item: NavItem) -> NavItem:
    """The entry where the administrator sees it: made once per process, so its link is
    reversed once, like every other entry's."""
    if not item.admin_place:
        return item
    return _ADMIN_ITEMS.setdefault(item, replace(item, place=item.admin_place))


def nav_for(user) -> list[NavItem]:
    """The entries `user` is offered, in the menu's order: the same for every active user of a
    role (what a role may do is hms.rbac's matrix, fixed while the server runs), so worked out
    once per role; every page asks twice (the menu, the dashboard's cards), ~35 capability
    checks each."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return []
    return list(_nav_for_role(user.role))


@cache
def _nav_for_role(role: str) -> tuple[NavItem, ...]:
    user = SimpleNamespace(is_authenticated=True, is_active=True, role=role)
    items = [
        item
        for item in NAV
        if rbac.offers(user, item.capability)
        and (
            item.scopes is None
            # Admin passes every check, but a page for one's own records is not admin's work.
            or (rbac.passes_every_check(user) and rbac.ALL in item.scopes)
            or rbac.scope(user, item.capability) in item.scopes
        )
    ]
    if rbac.passes_every_check(user):
        items = [_as_admin(item) for item in items]
    if rbac.scope(user, "patients.view_chart") == rbac.OWN:  # the portal: "My record", …
        items = [
            replace(
                item,
                label=item.patient_label or item.label,
                description=item.patient_description or item.description,
            )
            for item in items
        ]
    return tuple(items)
