"""Who may do what is decided only by hms/rbac.py (issue 13): no role name is compared by hand in
views, services, selectors or templates; templates ask `|can`; services check for themselves."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.template import engines

from clinical import services as clinical
from hms import rbac
from wards import services as wards

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "billing",
    "clinical",
    "wards",
    "lab",
    "engineering",
    "hr",
    "pharmacy",
    "messaging",
    "reports",
    "hms",
]
# What a person *is* (the doctor chosen for a booking or an admission must be a doctor), not what
# the one acting may do: a fact about the record, not a permission.
WHO_SOMEONE_IS = {
    ("clinical/services/appointments.py", "doctor.role != rbac.DOCTOR"),
    ("wards/services.py", "attending_doctor.role != rbac.DOCTOR"),
    # A doctor's leave closes their clinic hours: whose leave it is, not who may approve it.
    ("hr/models/leave.py", "self.user.role == rbac.DOCTOR"),
    ("clinical/services/schedules.py", "doctor.role != rbac.DOCTOR"),
    # A note's kind is its writer's profession (a nurse's note is a nursing note), not a permission.
    ("wards/services.py", "NoteKind.NURSING if actor.role == rbac.NURSE else NoteKind.WARD_ROUND"),
    # An unacknowledged alert goes on to a second doctor: which recipient was the doctor.
    ("messaging/services.py", "row.recipient.role == rbac.DOCTOR"),
}
HAND_COMPARISON = re.compile(r"\.role\s*(==|!=|in\b|not in\b)")


def _python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if (
                "/migrations/" in relative
                or relative == "hms/rbac.py"
                or relative.endswith("demo.py")
            ):
                continue
            yield relative, path.read_text()


def test_no_role_name_is_compared_by_hand_in_python():
    found = []
    for relative, text in _python_files():
        for line in text.splitlines():
            if HAND_COMPARISON.search(line) and not any(
                relative.startswith(where) and snippet in line for where, snippet in WHO_SOMEONE_IS
            ):
                found.append(f"{relative}: {line.strip()}")
    # accounts.models says once what a role needs (second factor, portal); accounts.services
    # refuses changing one's own role: facts about the user, not permissions.
    allowed = {
        "accounts/models.py: return self.role == rbac.PATIENT",
        "accounts/models.py: return self.role in settings.OTP_REQUIRED_ROLES",
        'accounts/services.py: if user.pk == actor.pk and changes.get("role", user.role) != user.role:',
    }
    assert [line for line in found if line not in allowed] == []


def test_no_template_compares_a_role():
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "templates").rglob("*.html")
        for line in path.read_text().splitlines()
        if re.search(r"user\.role\s*(==|!=)|role\s*==\s*\"", line)
    ]

    assert found == []


@pytest.mark.parametrize(
    ("role", "rule", "expected"),
    [
        (rbac.RECEPTIONIST, "patients.register", True),
        (rbac.NURSE, "patients.register", False),
        (rbac.RECEPTIONIST, "patients.view_chart:all", False),  # reception: demographics only
        (rbac.RECEPTIONIST, "patients.view_chart:all,demographics", True),
        (rbac.PATIENT, "appointments.book:all", False),
        (rbac.ADMIN, "appointments.book:all", True),
    ],
)
def test_templates_ask_the_matrix(make_user, role, rule, expected):
    template = engines["django"].from_string("{% if user|can:rule %}yes{% else %}no{% endif %}")

    answer = template.render({"user": make_user(role), "rule": rule})

    assert answer == ("yes" if expected else "no")


def test_admin_passes_every_check_but_is_not_offered_own_attendance(make_user):
    admin = make_user(rbac.ADMIN)

    assert rbac.allows(admin, "hr.self_service")
    assert not rbac.offers(admin, "hr.self_service")
    assert rbac.offers(make_user(rbac.NURSE), "hr.self_service")


@pytest.mark.parametrize("capability", ["schedules.manage", "wards.manage", "beds.maintenance"])
def test_the_admin_screens_have_their_own_rows_not_user_management(capability):
    assert rbac.MATRIX[capability] == {rbac.ADMIN: rbac.ALL}
    assert capability in rbac.CAPABILITY_LABELS


def test_services_refuse_whoever_calls_them(make_user, charge_master):
    """A role refused by a service's own check is refused as a permission (403 on a screen), not
    as a rule about the record."""
    nurse = make_user(rbac.NURSE)

    with pytest.raises(PermissionDenied, match="Only an administrator"):
        wards.ward_create(actor=nurse, name="X", kind="general", charge_code="WARD-GEN", beds=1)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        clinical.schedule_exception_add(actor=nurse, doctor=make_user(rbac.DOCTOR))
