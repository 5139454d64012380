"""Demo records of the lab: the catalogue, and tests at every step for the admitted patients and
the portal patient (a critical haemoglobin waiting for verification, verified results)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from clinical.models import Patient
from lab import catalogue, services
from lab.models import LabTest, OrderStatus, ResultVersion, TestOrder, admission_model


def _walk(order, to: str, technician, verifier, values=None, findings="") -> None:
    steps = [OrderStatus.COLLECTED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED]
    for step in steps:
        if step == OrderStatus.COMPLETED:
            fields = {str(f.pk): values.get(f.name, "") for f in order.test.fields.all()}
            services.results_enter(actor=technician, order=order, values=fields, findings=findings)
        services.order_advance(actor=technician, order=order, to_status=step)
        if step == to:
            return
    services.order_advance(actor=verifier, order=order, to_status=OrderStatus.VERIFIED)


def _backdate(order, minutes_ago: int, step: int) -> None:
    """Place a demo order in the past: ordered `minutes_ago`, each later step `step` minutes on."""
    order = TestOrder.objects.select_related("test").get(pk=order.pk)
    start = timezone.now() - timedelta(minutes=minutes_ago)
    fields = {
        "ordered_at": start,
        "due_at": start + timedelta(minutes=order.test.turnaround_minutes),
    }
    for n, name in enumerate(["collected_at", "started_at", "completed_at", "verified_at"], 1):
        if getattr(order, name):
            fields[name] = start + timedelta(minutes=step * n)
    TestOrder.objects.filter(pk=order.pk).update(**fields)
    ResultVersion.objects.filter(order=order).update(entered_at=start + timedelta(minutes=step * 3))
    ResultVersion.objects.filter(order=order, verified_at__isnull=False).update(
        verified_at=start + timedelta(minutes=step * 4)
    )


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    doctor = User.objects.filter(username="doctor").first()
    technician = User.objects.filter(username="lab").first()
    created = catalogue.load(admin)
    if TestOrder.objects.exists() or not (doctor and technician and admin):
        log(f"Lab: {LabTest.objects.count()} tests in the catalogue ({created} new).")
        return
    tests = {t.code: t for t in LabTest.objects.all()}

    def order(patient, codes, priority, admission=None, notes=""):
        return services.order_tests(
            actor=doctor,
            patient=patient,
            tests=[tests[c] for c in codes],
            priority=priority,
            clinical_notes=notes,
            admission=admission,
        )

    admissions = {a.reason: a for a in admission_model().objects.select_related("patient")}
    malaria = admissions.get("Severe malaria")
    if malaria:
        smear, cbc = order(
            malaria.patient, ["BS-MPS", "CBC"], "stat", malaria, "Fever 39.8 °C, confused"
        )
        _walk(
            smear,
            OrderStatus.VERIFIED,
            technician,
            admin,
            {"Malaria parasites": "Seen, ++ (moderate)", "Species": "P. falciparum"},
        )
        _walk(
            cbc,
            OrderStatus.COMPLETED,
            technician,
            admin,
            {"Haemoglobin": "6.4", "White cells": "12.5", "Platelets": "88"},
        )
        _backdate(smear, 300, 12)
        _backdate(cbc, 95, 15)
        # The critical haemoglobin was phoned through; the doctor's alert waits, pinned, for
        # acknowledgement (and escalates if nobody does: messaging.tasks).
        services.critical_call_record(
            actor=technician,
            order=cbc,
            called_person=f"Dr {doctor.get_full_name() or doctor}, by phone to the ward",
            called_at=timezone.now() - timedelta(minutes=20),
            read_back=True,
        )
    pneumonia = admissions.get("Pneumonia")
    if pneumonia:
        xray, cbc = order(
            pneumonia.patient,
            ["XR-CHEST", "CBC"],
            "urgent",
            pneumonia,
            "Cough, crackles right base",
        )
        _walk(xray, OrderStatus.COLLECTED, technician, admin)
        _backdate(xray, 280, 20)
        _backdate(cbc, 40, 10)
    foot = admissions.get("Diabetic foot ulcer")
    if foot:
        (glucose,) = order(foot.patient, ["RBS"], "routine", foot)
        _walk(glucose, OrderStatus.IN_PROGRESS, technician, admin)
        _backdate(glucose, 75, 10)
    portal = Patient.objects.filter(user__username="patient").first()
    if portal:
        glucose, uec = order(portal, ["RBS", "UEC"], "routine", notes="Annual check")
        _walk(glucose, OrderStatus.VERIFIED, technician, admin, {"Glucose": "9.4"})
        _walk(
            uec,
            OrderStatus.VERIFIED,
            technician,
            admin,
            {"Sodium": "139", "Potassium": "4.2", "Urea": "5.1", "Creatinine": "88"},
        )
        _backdate(glucose, 3 * 24 * 60, 25)
        _backdate(uec, 3 * 24 * 60, 50)
    log(
        f"Lab: {LabTest.objects.count()} tests in the catalogue, {TestOrder.objects.count()} orders."
    )
