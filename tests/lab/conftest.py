"""Shared fixtures of the lab tests: the staff, the real catalogue, patients of a given sex and age,
a consultation and an admission to order from, and helpers that walk an order along its steps."""

from datetime import date

import pytest
from django.utils import timezone

from clinical.models import Encounter
from hms import rbac
from lab import catalogue, services
from lab.models import LabTest, OrderStatus, TestOrder
from tests.factories import PatientFactory
from tests.races import race
from wards import services as wards


def born_years_ago(years: int, today: date | None = None) -> date:
    """A date of birth that makes the patient exactly `years` old (birthday a month ago)."""
    today = today or timezone.localdate()
    month = today.month - 1 or 12
    year = today.year - years - (1 if today.month == 1 else 0)
    return date(year, month, min(today.day, 28))


def make_patient(sex: str = "F", age: int = 40, **fields):
    return PatientFactory(sex=sex, date_of_birth=born_years_ago(age), **fields)


@pytest.fixture
def staff(staff, make_user, charge_master):
    """The people of the lab tests: the ordering doctor, two technicians (one completes, the other
    verifies), and the roles that may not touch the lab. The admin, nurse, reception and
    accountant are the shared staff's; the doctor and the technicians are built here because the
    lab tests assert their names (Dr Amina Otieno, Peter Kamau, Grace Wanjiru)."""
    return {
        "doctor": make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno"),
        "tech": make_user(rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Kamau"),
        "tech2": make_user(rbac.LAB_TECHNICIAN, first_name="Grace", last_name="Wanjiru"),
        "admin": staff.admin,
        "nurse": staff.nurse,
        "reception": staff.receptionist,
        "accountant": staff.accountant,
    }


@pytest.fixture
def catalog(staff) -> dict[str, LabTest]:
    """The hospital's starting catalogue (lab.catalogue), by code."""
    catalogue.load(staff["admin"])
    return {t.code: t for t in LabTest.objects.select_related("charge_item")}


@pytest.fixture
def consultation(staff):
    """consultation(patient): an open consultation of the doctor with that patient."""

    def make(patient):
        return Encounter.objects.create(
            patient=patient, doctor=staff["doctor"], started_at=timezone.now()
        )

    return make


@pytest.fixture
def admit(staff):
    """admit(patient): an active admission to a general ward bed."""
    ward = wards.ward_create(
        actor=staff["admin"], name="General A", kind="general", charge_code="WARD-GEN", beds=6
    )
    beds = iter(ward.beds.order_by("number"))

    def make(patient):
        return wards.admission_create(
            actor=staff["reception"],
            patient=patient,
            attending_doctor=staff["doctor"],
            bed=next(beds),
            reason="Severe malaria",
        )

    return make


def order(staff, catalog, patient, *codes, priority="routine", **extra) -> list[TestOrder]:
    return services.order_tests(
        actor=staff["doctor"],
        patient=patient,
        tests=[catalog[c] for c in codes],
        priority=priority,
        **extra,
    )


def field_values(order_: TestOrder, **by_name) -> dict:
    """Form values keyed by field id, from values given by field name (spaces as underscores)."""
    names = {k.replace("_", " ").lower(): v for k, v in by_name.items()}
    return {str(f.pk): names.get(f.name.lower(), "") for f in order_.test.fields.all()}


CBC_NORMAL = {"Haemoglobin": "13.5", "White_cells": "6.2", "Platelets": "250"}


def advance(order_: TestOrder, to: str, actor) -> TestOrder:
    return services.order_advance(actor=actor, order=order_, to_status=to)


def walk(order_: TestOrder, to: str, staff, values: dict | None = None, findings: str = ""):
    """Take an order step by step up to `to`: `tech` collects, starts, enters the values and
    completes; `tech2` verifies."""
    steps = [OrderStatus.COLLECTED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED]
    for step in steps:
        if step == OrderStatus.COMPLETED:
            services.results_enter(
                actor=staff["tech"],
                order=order_,
                values=field_values(order_, **(values or CBC_NORMAL)),
                findings=findings,
            )
        order_ = advance(order_, step, staff["tech"])
        if step == to:
            return order_
    return advance(order_, OrderStatus.VERIFIED, staff["tech2"])


def at_once(*actions):
    """Run the actions in threads released together; each returns its result or its refusal."""
    outcome = race(lambda n: actions[n](), runners=len(actions))
    return [outcome[n] for n in range(len(actions))]
