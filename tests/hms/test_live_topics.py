"""Live updates are declared once per app (<app>/live.py): every state-changing service says
which topics it refreshes (PUBLISHES; an empty list is a choice someone wrote down, not an
oversight), the services really publish to them, and every topic a page may join is declared
with its admission check there."""

import ast
import importlib
import inspect
import pkgutil
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from billing import services as billing
from clinical import services as clinical
from clinical.models import Appointment, AppointmentStatus
from hms import rbac, realtime
from hr import services as hr
from hr.leave_defaults import ensure_leave_types
from hr.models import LeaveType
from messaging import services as messaging
from messaging import topics
from tests.factories import (
    DoctorScheduleFactory,
    EncounterFactory,
    FormularyItemFactory,
    PatientFactory,
    UserFactory,
)
from wards import services as wards
from wards.models import Bed, BedStatus, Ward

# "Today, half an hour ago" must still be today, whatever the hour CI runs at.
pytestmark = pytest.mark.usefixtures("midday")


def _service_apps() -> list[str]:
    return [
        config.name
        for config in apps.get_app_configs()
        if importlib.util.find_spec(f"{config.name}.services") is not None
    ]


def _service_modules(app: str) -> list:
    """The app's services module, or every module of its services package."""
    root = importlib.import_module(f"{app}.services")
    modules = [root]
    if hasattr(root, "__path__"):
        modules += [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(root.__path__, f"{root.__name__}.")
        ]
    return modules


def _is_atomic(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "atomic") or (
        isinstance(target, ast.Name) and target.id == "atomic"
    )


def _state_changing_services(app: str) -> set[str]:
    """Every public function decorated @transaction.atomic in the app's services."""
    names = set()
    for module in _service_modules(app):
        for node in ast.parse(inspect.getsource(module)).body:
            if (
                isinstance(node, ast.FunctionDef)
                and not node.name.startswith("_")
                and any(_is_atomic(d) for d in node.decorator_list)
            ):
                names.add(node.name)
    return names


def _live(app: str):
    return importlib.import_module(f"{app}.live")


@pytest.mark.parametrize("app", _service_apps())
def test_every_state_changing_service_says_what_it_refreshes(app):
    declared = _live(app).PUBLISHES

    missing = _state_changing_services(app) - set(declared)
    stale = {
        name for name in declared if not hasattr(importlib.import_module(f"{app}.services"), name)
    }

    assert not missing, f"{app}/live.py PUBLISHES lacks {sorted(missing)} ([] if on purpose)"
    assert not stale, f"{app}/live.py PUBLISHES names no such service: {sorted(stale)}"


def test_every_topic_a_page_may_join_is_declared_in_a_live_module():
    declared = {}
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.live") is not None:
            declared |= getattr(_live(config.name), "TOPICS", {})

    assert topics.registered() == declared


# --- the services really publish what their table says ----------------------------------------


def _matches(pattern: str, group: str) -> bool:
    """`doctor.<doctor>.today` matches `doctor.7.today`."""
    parts = [
        r"[^.]+" if re.fullmatch(r"<\w+>", part) else re.escape(part) for part in pattern.split(".")
    ]
    return re.fullmatch(r"\.".join(parts), group) is not None


@pytest.fixture
def published(monkeypatch, django_capture_on_commit_callbacks):
    """published(call): the groups `call` sent to once its transaction committed."""

    def run(call) -> set[str]:
        groups: set[str] = set()
        monkeypatch.setattr(realtime, "send_now", lambda group, message: groups.add(group) or True)
        with django_capture_on_commit_callbacks(execute=True):
            call()
        return groups

    return run


def _appointment(doctor, patient, *, starts_at=None, status=AppointmentStatus.SCHEDULED):
    starts_at = starts_at or timezone.now() - timedelta(minutes=30)
    return Appointment.objects.create(
        patient=patient,
        doctor=doctor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        fee=Decimal("1500.00"),
        status=status,
    )


def _appointment_and_a_colleague_free_then(doctor, patient):
    """An appointment two days ahead at 10:00, and another doctor whose clinic is open then."""
    starts_at = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=2), time(10))
    )
    colleague = UserFactory(role=rbac.DOCTOR)
    DoctorScheduleFactory(doctor=colleague, weekday=starts_at.weekday())
    return _appointment(doctor, patient, starts_at=starts_at), colleague


def _draft(desk, patient):
    billing.charge_post(actor=None, patient=patient, code="NURS-DRESS")
    return billing.invoice_draft(actor=desk, patient=patient)


def _leave_asked(user):
    ensure_leave_types()
    start = timezone.localdate() + timedelta(days=30)
    return hr.leave_apply(
        actor=user,
        leave_type=LeaveType.objects.get(code="annual"),
        start_date=start,
        end_date=start + timedelta(days=6),
    )


def _duplicate_with_appointment(doctor):
    duplicate = PatientFactory()
    _appointment(doctor, duplicate, starts_at=timezone.now() + timedelta(days=2))
    return duplicate


# service -> (its app, what to do before, the call); each receives the people of the hospital.
SCENARIOS = {
    "prescription_add": (
        "clinical",
        lambda p: (
            EncounterFactory(doctor=p["doctor"], patient=p["patient"]),
            FormularyItemFactory(form="tablet"),
        ),
        lambda p, made: clinical.prescription_add(
            actor=p["doctor"],
            encounter=made[0],
            formulary_item=made[1],
            dose="1 tablet",
            route="oral",
            frequency="BD",
            duration="5 days",
        ),
    ),
    "patient_merge": (
        "clinical",
        lambda p: _duplicate_with_appointment(p["doctor"]),
        lambda p, duplicate: clinical.patient_merge(
            actor=p["admin"], survivor=p["patient"], merged=duplicate
        ),
    ),
    "appointment_check_in": (
        "clinical",
        lambda p: _appointment(p["doctor"], p["patient"], starts_at=timezone.now()),
        lambda p, a: clinical.appointment_check_in(actor=p["desk"], appointment=a),
    ),
    # The appointment is "In consultation": the doctor's day and the desk's list show it.
    "encounter_start": (
        "clinical",
        lambda p: _appointment(p["doctor"], p["patient"], starts_at=timezone.now()),
        lambda p, a: clinical.encounter_start(actor=p["doctor"], appointment=a),
    ),
    "appointment_no_show": (
        "clinical",
        lambda p: _appointment(p["doctor"], p["patient"]),
        lambda p, a: clinical.appointment_no_show(actor=p["desk"], appointment=a),
    ),
    "appointment_cancel": (
        "clinical",
        lambda p: _appointment(
            p["doctor"], p["patient"], starts_at=timezone.now() + timedelta(days=2)
        ),
        lambda p, a: clinical.appointment_cancel(actor=p["desk"], appointment=a),
    ),
    # A doctor's leave closes (or reopens) their days: the desk's appointments to move follow.
    "days_off_for_leave": (
        "clinical",
        lambda p: None,
        lambda p, _: clinical.days_off_for_leave(
            actor=p["admin"],
            doctor=p["doctor"],
            days=[(timezone.localdate() + timedelta(days=2), "day")],
            reason="annual leave",
            source="leave:1",
        ),
    ),
    "days_off_for_leave_lifted": (
        "clinical",
        lambda p: clinical.days_off_for_leave(
            actor=p["admin"],
            doctor=p["doctor"],
            days=[(timezone.localdate() + timedelta(days=2), "day")],
            reason="annual leave",
            source="leave:1",
        ),
        lambda p, _: clinical.days_off_for_leave_lifted(actor=p["admin"], source="leave:1"),
    ),
    "appointment_move_to_doctor": (
        "clinical",
        lambda p: _appointment_and_a_colleague_free_then(p["doctor"], p["patient"]),
        lambda p, moving: clinical.appointment_move_to_doctor(
            actor=p["desk"],
            appointment=moving[0],
            doctor=moving[1],
            starts_at=moving[0].starts_at,
        ),
    ),
    # The ward's home shows each patient's latest NEWS2 and when the next set is due.
    "vitals_record": (
        "clinical",
        lambda p: None,
        lambda p, _: clinical.vitals_record(
            actor=p["nurse"], patient=p["patient"], values={"pulse": 88, "spo2": 97}
        ),
    ),
    "charge_post": (
        "billing",
        lambda p: None,
        lambda p, _: billing.charge_post(actor=None, patient=p["patient"], code="NURS-DRESS"),
    ),
    "invoice_draft": (
        "billing",
        lambda p: billing.charge_post(actor=None, patient=p["patient"], code="NURS-DRESS"),
        lambda p, _: billing.invoice_draft(actor=p["desk"], patient=p["patient"]),
    ),
    "invoice_set_discount": (
        "billing",
        lambda p: _draft(p["desk"], p["patient"]),
        lambda p, invoice: billing.invoice_set_discount(
            actor=p["accountant"],
            invoice=invoice,
            kind="percent",
            value=Decimal("10"),
            reason="Staff",
        ),
    ),
    "invoice_issue": (
        "billing",
        lambda p: _draft(p["desk"], p["patient"]),
        lambda p, invoice: billing.invoice_issue(actor=p["desk"], invoice=invoice),
    ),
    "payment_take": (
        "billing",
        lambda p: billing.invoice_issue(actor=p["desk"], invoice=_draft(p["desk"], p["patient"])),
        lambda p, invoice: billing.payment_take(
            actor=p["desk"], invoice=invoice, amount=Decimal("100"), mode="cash"
        ),
    ),
    "bed_set_status": (
        "wards",
        lambda p: Bed.objects.create(
            ward=Ward.objects.create(name="Ward A", kind="general", charge_code="WARD-GEN"),
            number="01",
            status=BedStatus.CLEANING,
        ),
        lambda p, bed: wards.bed_set_status(actor=p["nurse"], bed=bed, status=BedStatus.VACANT),
    ),
    "ward_create": (
        "wards",
        lambda p: None,
        lambda p, _: wards.ward_create(
            actor=p["admin"], name="Ward B", kind="general", charge_code="WARD-GEN", beds=2
        ),
    ),
    "ward_add_bed": (
        "wards",
        lambda p: Ward.objects.create(name="Ward C", kind="general", charge_code="WARD-GEN"),
        lambda p, ward: wards.ward_add_bed(actor=p["admin"], ward=ward),
    ),
    "notify": (
        "messaging",
        lambda p: None,
        lambda p, _: messaging.notify(p["nurse"], "Bed 4 needs cleaning"),
    ),
    "notification_mark_all_read": (
        "messaging",
        lambda p: messaging.notify(p["nurse"], "Bed 4 needs cleaning"),
        lambda p, _: messaging.notification_mark_all_read(user=p["nurse"]),
    ),
    # The applicant's "My leave" page (leave.<user>) shows the decision as it is made.
    "leave_approve": (
        "hr",
        lambda p: _leave_asked(p["nurse"]),
        lambda p, leave: hr.leave_approve(actor=p["admin"], leave_request=leave),
    ),
}


@pytest.fixture
def people(make_user, charge_master):
    return {
        "admin": make_user(rbac.ADMIN),
        "doctor": make_user(rbac.DOCTOR),
        "desk": make_user(rbac.RECEPTIONIST),
        "accountant": make_user(rbac.ACCOUNTANT),
        "nurse": make_user(rbac.NURSE),
        "patient": PatientFactory(),
    }


@pytest.mark.parametrize("service", sorted(SCENARIOS))
def test_a_service_publishes_to_the_topics_its_table_lists_and_no_others(
    service, people, published
):
    app, arrange, act = SCENARIOS[service]
    declared = _live(app).PUBLISHES[service]
    before = arrange(people)

    groups = published(lambda: act(people, before))

    unreached = [pattern for pattern in declared if not any(_matches(pattern, g) for g in groups)]
    assert not unreached, f"{service} lists {unreached} but published only to {sorted(groups)}"
    # A person's own group (their bell) and the audit log are not part of the table.
    topic_groups = {g for g in groups if g != "audit" and not g.startswith(("user.", "role."))}
    unlisted = [g for g in topic_groups if not any(_matches(p, g) for p in declared)]
    assert not unlisted, f"{service} publishes to {unlisted}, which {app}/live.py does not list"


def test_each_gap_once_left_open_now_has_a_scenario():
    # No-show and discount refreshed nothing until their tables said they should.
    assert {"appointment_no_show", "invoice_set_discount"} <= set(SCENARIOS)
