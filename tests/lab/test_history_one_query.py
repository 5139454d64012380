"""The history's timeline read in one query (issue 14, clinical.timeline) shows what the one query
per kind of record showed: every event held equal to the one the old code built from the model
instances (its loops are kept below as the reference), page by page, counts included."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from clinical import timeline
from clinical.models import (
    Appointment,
    AppointmentStatus,
    Encounter,
    PatientDocument,
    PatientState,
    PatientStateChange,
    Prescription,
    Vitals,
)
from clinical.selectors import Event, patient_timeline_count, patient_timeline_page
from hms.links import link_to
from lab.models import OrderStatus, TestOrder
from tests.factories import AppointmentFactory, EncounterFactory
from tests.lab.conftest import make_patient, order, walk


def old_timeline(patient, before=None, size=25):
    """The events as the code before session 16 built them, one query per kind of record."""

    def window(queryset, field):
        if before is not None:
            queryset = queryset.filter(**{f"{field}__lt": before})
        return list(queryset.order_by(f"-{field}")[:size])

    events = []
    for e in window(
        Encounter.objects.filter(patient=patient).select_related("doctor"), "started_at"
    ):
        detail = e.diagnosis + (f" ({e.icd10_code})" if e.icd10_code else "")
        events.append(
            Event(
                e.started_at,
                "consultation",
                "clipboard2-pulse",
                f"Consultation with Dr {e.doctor}",
                detail,
                link_to("encounter")(e.pk),
            )
        )
    for v in window(Vitals.objects.filter(patient=patient), "recorded_at"):
        parts = []
        if v.temperature_c is not None:
            parts.append(f"T {v.temperature_c} °C")
        if v.pulse is not None:
            parts.append(f"P {v.pulse}")
        if v.systolic is not None:
            parts.append(f"BP {v.systolic}/{v.diastolic}")
        if v.spo2 is not None:
            parts.append(f"SpO₂ {v.spo2}%")
        url = link_to("patient_vitals")(patient.pk)
        events.append(
            Event(v.recorded_at, "vitals", "heart-pulse", "Vitals", " · ".join(parts), url)
        )
    for p in window(Prescription.objects.filter(patient=patient), "created_at"):
        events.append(
            Event(
                p.created_at,
                "prescription",
                "capsule",
                f"Prescribed {p.drug} {p.strength}".strip(),
                f"{p.dose}, {p.frequency}, {p.duration}",
                link_to("encounter")(p.encounter_id),
            )
        )
    for a in window(
        Appointment.objects.filter(patient=patient).select_related("doctor"), "starts_at"
    ):
        events.append(
            Event(
                a.starts_at,
                "appointment",
                "calendar-event",
                f"Appointment with {a.doctor}",
                a.get_status_display(),
                link_to("appointment_detail")(a.pk),
            )
        )
    for d in window(PatientDocument.objects.filter(patient=patient), "uploaded_at"):
        events.append(
            Event(
                d.uploaded_at,
                "document",
                "file-earmark-text",
                f"Document: {d.title}",
                d.get_kind_display(),
                link_to("patient_documents")(patient.pk),
            )
        )
    for c in window(PatientStateChange.objects.filter(patient=patient), "at"):
        title = f"Now {c.get_to_state_display()}"
        events.append(Event(c.at, "status", "signpost", title, c.reason))
    orders = TestOrder.objects.filter(patient=patient).select_related("test", "ordered_by")
    for o in window(orders, "ordered_at"):
        detail = o.get_status_display()
        if o.status == OrderStatus.VERIFIED:
            detail = {
                "critical": "Verified · critical values",
                "abnormal": "Verified · abnormal",
            }.get(o.flag, "Verified · normal")
        events.append(
            Event(
                o.ordered_at,
                "test",
                "eyedropper" if o.test.kind == "lab" else "radioactive",
                f"{o.test.name} ordered by Dr {o.ordered_by}",
                f"{o.number} · {o.get_priority_display()} · {detail}",
                link_to("lab_order")(o.pk),
            )
        )
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:size]


def a_long_history(staff, catalog):
    """A patient with every kind of record, some kinds more than a page of 5 holds."""
    patient = make_patient()
    doctor, nurse = staff["doctor"], staff["nurse"]
    now = timezone.now().replace(microsecond=0)
    hours = iter(range(1, 1000))

    def earlier():
        return now - timedelta(hours=next(hours), minutes=7)

    visits = [
        EncounterFactory(
            patient=patient,
            doctor=doctor,
            started_at=earlier(),
            diagnosis="Malaria",
            icd10_code=code,
        )
        for code in ("B54", "", "B50.9", "", "B54", "J06.9", "")
    ]
    for encounter in visits[:3]:
        Prescription.objects.create(
            encounter=encounter,
            patient=patient,
            doctor=doctor,
            drug="Artemether/lumefantrine",
            strength="" if encounter is visits[1] else "20/120 mg",
            dose="4 tablets",
            frequency="twice a day",
            duration="3 days",
        )
    for temperature, pulse, systolic, spo2 in (
        (Decimal("37.0"), 72, 120, 98),
        (Decimal("38.5"), None, None, None),
        (None, 110, 95, 91),
        (Decimal("36.4"), 64, None, 99),
        (None, None, None, None),
        (Decimal("40.1"), 130, 80, 88),
    ):
        Vitals.objects.create(
            patient=patient,
            recorded_by=nurse,
            recorded_at=earlier(),
            temperature_c=temperature,
            pulse=pulse,
            systolic=systolic,
            diastolic=None if systolic is None else systolic - 40,
            spo2=spo2,
        )
    for status in (
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.CHECKED_IN,
    ):
        AppointmentFactory(patient=patient, doctor=doctor, starts_at=earlier(), status=status)
    for kind in (PatientDocument.Kind.REFERRAL, PatientDocument.Kind.IMAGE):
        document = PatientDocument.objects.create(
            patient=patient,
            kind=kind,
            title=f"A {kind} <from> Kisumu",
            file=f"documents/{kind}.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=doctor,
        )
        PatientDocument.objects.filter(pk=document.pk).update(uploaded_at=earlier())
    for to_state, reason in (
        (PatientState.ADMITTED, "Admitted from casualty"),
        (PatientState.DISCHARGED, ""),
    ):
        change = PatientStateChange.objects.create(
            patient=patient, to_state=to_state, reason=reason
        )
        PatientStateChange.objects.filter(pk=change.pk).update(at=earlier())
    cbc, glucose, xray = order(staff, catalog, patient, "CBC", "RBS", "XR-CHEST")
    walk(cbc, OrderStatus.VERIFIED, staff)
    walk(glucose, OrderStatus.VERIFIED, staff, values={"Glucose": "9.4"})
    walk(xray, OrderStatus.IN_PROGRESS, staff)
    for test_order in TestOrder.objects.filter(patient=patient):
        TestOrder.objects.filter(pk=test_order.pk).update(ordered_at=earlier())
    return patient


def test_each_page_of_the_history_is_what_one_query_per_kind_showed(
    staff, catalog, django_assert_max_num_queries
):
    patient = a_long_history(staff, catalog)
    assert (
        connection.features.supports_json_field
    )  # SQLite answers it with a query, once a connection
    total = patient_timeline_count(patient)
    assert total == 7 + 3 + 6 + 3 + 2 + 2 + 3

    before, seen = None, 0
    while True:
        with django_assert_max_num_queries(2):  # and a second only to count the full windows
            events, from_cursor = patient_timeline_page(patient, before=before, size=5)
        assert events == old_timeline(patient, before=before, size=5)
        assert from_cursor == total - seen == patient_timeline_count(patient, before=before)
        if not events:
            break
        seen += len(events)
        before = events[-1].at
    assert seen == total


def test_a_short_history_is_read_in_one_query(staff, catalog, django_assert_num_queries):
    patient = a_long_history(staff, catalog)
    assert connection.features.supports_json_field

    with django_assert_num_queries(1):
        events, from_cursor = patient_timeline_page(patient, size=25)

    assert events == old_timeline(patient, size=25)
    assert len(events) == 25 and from_cursor == 26
    assert {source.at for source in timeline.sources()} >= {"started_at", "ordered_at"}
