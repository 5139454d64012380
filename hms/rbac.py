"""The permission matrix: which role may do what, as data, in one place for the whole system.

MATRIX is the table of DESIGN.md, row for row. A value other than ALL is a scope that the
object-level checks in selectors and services read (a patient sees only their "own" records,
reception sees "demographics" of a chart). Views declare what they need with
`@capability_required(...)`; the matrix test walks every URL against this same table.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

ADMIN = "admin"
DOCTOR = "doctor"
NURSE = "nurse"
RECEPTIONIST = "receptionist"
LAB_TECHNICIAN = "lab_technician"
ENGINEER = "engineer"
PHARMACIST = "pharmacist"
ACCOUNTANT = "accountant"
PATIENT = "patient"

ROLE_CHOICES = [
    (ADMIN, "Administrator"),
    (DOCTOR, "Doctor"),
    (NURSE, "Nurse"),
    (RECEPTIONIST, "Receptionist"),
    (LAB_TECHNICIAN, "Lab technician"),
    (ENGINEER, "Engineer"),
    (PHARMACIST, "Pharmacist"),
    (ACCOUNTANT, "Accountant"),
    (PATIENT, "Patient"),
]
ROLES = [role for role, _ in ROLE_CHOICES]
ROLE_LABELS = dict(ROLE_CHOICES)
STAFF_ROLES = [role for role in ROLES if role != PATIENT]

# Scopes: what part of a capability a role has. ALL means the whole of it.
ALL = "all"
OWN = "own"
DEMOGRAPHICS = "demographics"
OWN_VERIFIED = "own, verified"
FINANCE = "finance part"
STAFF = "staff"
STAFF_AND_OWN_PATIENTS = "staff + own patients"
ASSIGNED_DOCTORS = "assigned doctors"
# A merge of duplicate patients done by reception needs a second person (another receptionist or
# an administrator) to confirm it on the same screen with their own password (clinical.merging).
WITH_SECOND_PERSON = "with a second person's confirmation"
# A nurse's part of the stores: receive a transfer into their ward's store, record the ward's use.
WARD_STOCK = "ward transfers in, ward use"
# The accountant's part of the stock reports: the value of stock, not the clinical detail.
VALUE_ONLY = "value only"

MATRIX: dict[str, dict[str, str]] = {
    "users.manage": {ADMIN: ALL},
    "schedules.manage": {ADMIN: ALL},
    "wards.manage": {ADMIN: ALL},
    "beds.maintenance": {ADMIN: ALL},
    "patients.register": {ADMIN: ALL, RECEPTIONIST: ALL},
    "patients.merge": {ADMIN: ALL, RECEPTIONIST: WITH_SECOND_PERSON},
    "patients.view_chart": {
        ADMIN: ALL,
        DOCTOR: ALL,
        NURSE: ALL,
        RECEPTIONIST: DEMOGRAPHICS,
        PATIENT: OWN,
    },
    "appointments.view": {
        ADMIN: ALL,
        DOCTOR: OWN,
        NURSE: ALL,
        RECEPTIONIST: ALL,
        PATIENT: OWN,
    },
    "appointments.book": {ADMIN: ALL, RECEPTIONIST: ALL, PATIENT: OWN},
    "clinical.consult": {ADMIN: ALL, DOCTOR: ALL},
    "vitals.record": {ADMIN: ALL, DOCTOR: ALL, NURSE: ALL},
    "allergies.record": {ADMIN: ALL, DOCTOR: ALL, NURSE: ALL},
    "tests.order": {ADMIN: ALL, DOCTOR: ALL},
    "tests.catalogue": {ADMIN: ALL},
    "tests.process": {ADMIN: ALL, LAB_TECHNICIAN: ALL},
    "tests.view_results": {
        ADMIN: ALL,
        DOCTOR: ALL,
        NURSE: ALL,
        LAB_TECHNICIAN: ALL,
        PATIENT: OWN_VERIFIED,
    },
    "wards.admit": {ADMIN: ALL, NURSE: ALL, RECEPTIONIST: ALL},
    "wards.order_discharge": {ADMIN: ALL, DOCTOR: ALL},
    "wards.notes": {ADMIN: ALL, DOCTOR: ALL, NURSE: ALL},
    "billing.charge_master": {ADMIN: ALL},
    "billing.invoices": {ADMIN: ALL, RECEPTIONIST: ALL, ACCOUNTANT: ALL, PATIENT: OWN},
    "billing.adjust": {ADMIN: ALL, ACCOUNTANT: ALL},
    "billing.exempt": {ADMIN: ALL, ACCOUNTANT: ALL},
    "engineering.machines": {ADMIN: ALL, ENGINEER: ALL},
    "engineering.request": dict.fromkeys(STAFF_ROLES, ALL),
    "pharmacy.formulary": {ADMIN: ALL, PHARMACIST: ALL},
    "pharmacy.stock_view": {ADMIN: ALL, DOCTOR: ALL, NURSE: ALL, PHARMACIST: ALL},
    "pharmacy.stock_move": {ADMIN: ALL, NURSE: WARD_STOCK, PHARMACIST: ALL},
    "pharmacy.dispense": {ADMIN: ALL, PHARMACIST: ALL},
    "pharmacy.reports": {ADMIN: ALL, PHARMACIST: ALL, ACCOUNTANT: VALUE_ONLY},
    "pharmacy.mar_order": {ADMIN: ALL, DOCTOR: ALL},
    "pharmacy.mar_record": {ADMIN: ALL, DOCTOR: ALL, NURSE: ALL},
    "hr.self_service": {role: ALL for role in STAFF_ROLES if role != ADMIN},
    "hr.approve_leave": {ADMIN: ALL},
    "chat.use": {
        ADMIN: ALL,
        DOCTOR: STAFF_AND_OWN_PATIENTS,
        NURSE: STAFF,
        RECEPTIONIST: STAFF,
        LAB_TECHNICIAN: STAFF,
        ENGINEER: STAFF,
        PHARMACIST: STAFF,
        ACCOUNTANT: STAFF,
        PATIENT: ASSIGNED_DOCTORS,
    },
    "queue.view": {
        ADMIN: ALL,
        DOCTOR: ALL,
        NURSE: ALL,
        RECEPTIONIST: ALL,
        LAB_TECHNICIAN: ALL,
        PHARMACIST: ALL,
        ACCOUNTANT: ALL,
    },
    "queue.issue": {ADMIN: ALL, NURSE: ALL, RECEPTIONIST: ALL},
    "queue.pharmacy_window": {ADMIN: ALL, PHARMACIST: ALL},
    "queue.setup": {ADMIN: ALL},
    "analytics.view": {ADMIN: ALL, ACCOUNTANT: FINANCE},
    "audit.view": {ADMIN: ALL},
    "api.schema": {ADMIN: ALL},
}

# What each capability means, in the words of the hospital (shown on every dashboard).
CAPABILITY_LABELS: dict[str, str] = {
    "users.manage": "Manage users and roles",
    "schedules.manage": "Set doctors' weekly schedules and days off",
    "wards.manage": "Open wards and add beds",
    "beds.maintenance": "Take beds out of service for maintenance and back",
    "patients.register": "Register and edit patients",
    "patients.merge": "Merge duplicate patient records, and undo a merge",
    "patients.view_chart": "View patient charts",
    "appointments.view": "View appointments",
    "appointments.book": "Book, reschedule and cancel appointments",
    "clinical.consult": "Write consultation notes and prescriptions",
    "vitals.record": "Record vitals",
    "allergies.record": "Record allergies (or no known allergies)",
    "tests.order": "Request lab and imaging tests",
    "tests.catalogue": "Manage the test catalogue",
    "tests.process": "Update test status and upload reports",
    "tests.view_results": "View test results",
    "wards.admit": "Admit patients, assign beds, transfer",
    "wards.order_discharge": "Order discharge",
    "wards.notes": "Write ward-round and nursing notes",
    "billing.charge_master": "Manage the charge master (prices)",
    "billing.invoices": "Invoices and payments",
    "billing.adjust": "Discounts, refunds and credit notes",
    "billing.exempt": "Let a patient be discharged owing (an exemption, with the reason)",
    "engineering.machines": "Machines and maintenance",
    "engineering.request": "Raise maintenance requests",
    "pharmacy.formulary": "The formulary: drugs and supplies, forms, strengths, prices",
    "pharmacy.stock_view": "See stock levels",
    "pharmacy.stock_move": "Receive stock, transfers between stores, stock takes",
    "pharmacy.dispense": "Dispense prescriptions, over-the-counter sales",
    "pharmacy.reports": "Stock reports",
    "pharmacy.mar_order": "Order and stop inpatient medicines (the medication chart)",
    "pharmacy.mar_record": "Record doses given, held, refused or not available (the MAR)",
    "hr.self_service": "Apply for leave, own attendance",
    "hr.approve_leave": "Approve leave, run the roster, see team attendance",
    "chat.use": "Chat",
    "queue.view": "See the queues; call patients at your service point",
    "queue.issue": "Give patients queue tickets",
    "queue.pharmacy_window": "Call patients to the pharmacy window",
    "queue.setup": "Set up service points and waiting-area displays",
    "analytics.view": "Analytics",
    "audit.view": "Audit log",
    "api.schema": "The JSON API's schema and its interactive page",
}


def capabilities_of(role: str) -> list[tuple[str, str]]:
    """(label, scope) of every capability a role holds, in the order of the matrix."""
    rows = []
    for capability, roles in MATRIX.items():
        if role == ADMIN:
            rows.append((CAPABILITY_LABELS[capability], ALL))
        elif role in roles:
            rows.append((CAPABILITY_LABELS[capability], roles[role]))
    return rows


# Beyond the table: pages every signed-in user has (own dashboard, own password and second
# factor, notifications), and pages anyone may open (login, password reset, health check).
SIGNED_IN = "signed-in"
PUBLIC = "public"


def scope(user, capability: str) -> str | None:
    """The scope `user` holds of `capability`, or None when the role may not do it at all.

    Admin passes every check (DESIGN.md), with the whole scope.
    """
    if capability not in MATRIX:
        raise KeyError(f"Unknown capability {capability!r}: add it to hms.rbac.MATRIX.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == ADMIN:
        return ALL
    return MATRIX[capability].get(user.role)


def passes_every_check(user) -> bool:
    """Whether `user` is an administrator, who passes every check (DESIGN.md), object-level ones
    included (another doctor's notes, self-verification in the lab). The one place it is said."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == ADMIN)


def allows(user, capability: str, *, scopes: Iterable[str] | None = None) -> bool:
    """Whether `user` may use `capability`, narrowed to roles holding one of `scopes` when given
    (reception's "demographics" view of a chart does not reach the prescriptions).

    The one question the decorator, the navigation, the websocket topics, the templates
    (`{% if user|can:"patients.register" %}`) and the services ask. Admin passes every check.
    """
    if capability == PUBLIC:
        return True
    if capability == SIGNED_IN:
        return bool(getattr(user, "is_authenticated", False) and user.is_active)
    held = scope(user, capability)
    if held is None:
        return False
    return scopes is None or passes_every_check(user) or held in frozenset(scopes)


def offers(user, capability: str) -> bool:
    """Whether to offer `capability` to `user` as their own work (menus, dashboard buttons).

    Admin may open everything, but is not offered what the table gives admin no row for (own
    attendance and leave: an administrator's own hours are not run from the admin account).
    """
    if not allows(user, capability):
        return False
    return not (
        passes_every_check(user) and capability in MATRIX and ADMIN not in MATRIX[capability]
    )


def roles_with(capability: str, scopes: Iterable[str]) -> list[str]:
    """The roles holding `capability` with one of `scopes` (admin, holding every scope, included):
    for queries that pick people by what they may do, e.g. every chat user who is staff."""
    wanted = frozenset(scopes)
    return [role for role in ROLES if role == ADMIN or MATRIX[capability].get(role) in wanted]


def has(user, capability: str) -> bool:
    """Older name of allows(user, capability), kept for callers not yet renamed."""
    return allows(user, capability)


def role_allowed(role: str, capability: str, scopes: frozenset[str] | None = None) -> bool:
    """Whether a role may use a capability (limited to some of its scopes, when a view says so):
    the matrix test's expectation, from the same data."""
    if capability in (PUBLIC, SIGNED_IN):
        return True
    if role == ADMIN:
        return True
    if role not in MATRIX[capability]:
        return False
    return scopes is None or MATRIX[capability][role] in scopes


def login_redirect(request: HttpRequest) -> HttpResponse:
    """Send an anonymous (or timed-out) user to the login page.

    An htmx request gets HX-Redirect, so the login page replaces the whole page instead of being
    swapped into a fragment.
    """
    login_url = resolve_url(settings.LOGIN_URL)
    if getattr(request, "htmx", False):
        next_path = request.htmx.current_url_abs_path or "/"
        return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': next_path})}")
    from django.contrib.auth.views import redirect_to_login  # imports the user model

    return redirect_to_login(request.get_full_path(), login_url)


def capability_required(
    capability: str, *, post_only: bool = False, scopes: set[str] | None = None
) -> Callable:
    """Decorate a view: anonymous users go to login, roles without `capability` get 403.

    `scopes` narrows it to roles holding one of those scopes (reception's "demographics" view of
    a chart does not reach the prescriptions, say); object-level checks stay in the view.
    """
    allowed_scopes = frozenset(scopes) if scopes is not None else None
    if capability not in (PUBLIC, SIGNED_IN) and capability not in MATRIX:
        raise KeyError(f"Unknown capability {capability!r}: add it to hms.rbac.MATRIX.")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if capability != PUBLIC:
                if not request.user.is_authenticated:
                    return login_redirect(request)
                if not allows(request.user, capability, scopes=allowed_scopes):
                    raise PermissionDenied(f"Your role may not use {capability}.")
            return view(request, *args, **kwargs)

        wrapped.capability = capability
        wrapped.post_only = post_only
        wrapped.scopes = allowed_scopes
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view anyone may open (login, password reset, health check)."""
    return capability_required(PUBLIC)(view)


def signed_in(view: Callable) -> Callable:
    """Mark a view every signed-in user may open (own dashboard, own password)."""
    return capability_required(SIGNED_IN)(view)
