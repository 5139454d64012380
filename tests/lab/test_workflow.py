"""The technician's steps: one at a time, each stamped; the two-person rule; the worklist, the late
list and turnaround."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import Charge
from hms import rbac
from hms.models import AuditEntry
from lab import selectors, services
from lab.models import LabTest, OrderStatus, TestOrder
from tests.lab.conftest import (
    CBC_NORMAL,
    advance,
    at_once,
    field_values,
    make_patient,
    order,
    walk,
)

NOW = timezone.now()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def minutes_ago(minutes: float):
    """Do what follows as if it happened `minutes` ago."""
    return time_machine.travel(timezone.now() - timedelta(minutes=minutes), tick=False)


def numbers_in(html: str, testid: str = "worklist-row") -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-order="([^"]+)"', html)


def test_every_step_is_stamped_with_who_and_when(staff, catalog, client_for):
    patient = make_patient()
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        (cbc,) = order(staff, catalog, patient, "CBC")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        advance(cbc, OrderStatus.COLLECTED, staff["tech"])
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        advance(cbc, OrderStatus.IN_PROGRESS, staff["tech2"])
        services.results_enter(
            actor=staff["tech2"], order=cbc, values=field_values(cbc, **CBC_NORMAL)
        )
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        advance(cbc, OrderStatus.COMPLETED, staff["tech2"])
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        advance(cbc, OrderStatus.VERIFIED, staff["tech"])

    cbc.refresh_from_db()
    stamps = [
        (cbc.collected_at, cbc.collected_by),
        (cbc.started_at, cbc.started_by),
        (cbc.completed_at, cbc.completed_by),
        (cbc.verified_at, cbc.verified_by),
    ]
    assert stamps == [
        (start + timedelta(minutes=10), staff["tech"]),
        (start + timedelta(minutes=20), staff["tech2"]),
        (start + timedelta(minutes=45), staff["tech2"]),
        (start + timedelta(minutes=50), staff["tech"]),
    ]
    assert cbc.status == OrderStatus.VERIFIED and cbc.verified_version == 1
    assert list(
        AuditEntry.objects.filter(object_id=str(cbc.pk), action__startswith="lab.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "lab.order",
        "lab.collected",
        "lab.in_progress",
        "lab.results",
        "lab.completed",
        "lab.verified",
    ]
    page = client_for(staff["doctor"]).get(reverse("lab_order", args=[cbc.pk])).content.decode()
    steps = page.split('data-testid="steps"')[1].split("</ol>")[0]
    assert "Peter Kamau" in steps and "Grace Wanjiru" in steps and "50 minutes after order" in steps


def _to(order_, status, staff):
    if status == OrderStatus.PENDING:
        return order_
    if status == OrderStatus.CANCELLED:
        return services.order_cancel(actor=staff["doctor"], order=order_, reason="Not needed")
    return walk(order_, status, staff)


@pytest.mark.parametrize(
    ("at", "to", "message"),
    [
        (
            OrderStatus.PENDING,
            OrderStatus.IN_PROGRESS,
            "is pending: the next step is “Sample collected”, not “In progress”",
        ),
        (
            OrderStatus.PENDING,
            OrderStatus.COMPLETED,
            "is pending: the next step is “Sample collected”, not “Completed”",
        ),
        (
            OrderStatus.COLLECTED,
            OrderStatus.VERIFIED,
            "is sample collected: the next step is “In progress”, not “Verified”",
        ),
        (
            OrderStatus.IN_PROGRESS,
            OrderStatus.COLLECTED,
            "is in progress: the next step is “Completed”, not “Sample collected”",
        ),
        (
            OrderStatus.COMPLETED,
            OrderStatus.PENDING,
            "is completed: the next step is “Verified”, not “Pending”",
        ),
        (
            OrderStatus.COLLECTED,
            OrderStatus.CANCELLED,
            "is sample collected: the next step is “In progress”, not “Cancelled”",
        ),
        (OrderStatus.CANCELLED, OrderStatus.COLLECTED, "is cancelled: nothing follows"),
        (OrderStatus.VERIFIED, OrderStatus.COMPLETED, "is verified: nothing follows"),
    ],
)
def test_a_step_out_of_line_is_refused_with_the_next_step_and_changes_nothing(
    staff, catalog, client_for, at, to, message
):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    cbc = _to(cbc, at, staff)
    cbc.refresh_from_db()
    before = TestOrder.objects.filter(pk=cbc.pk).values().get()
    lab_audit = AuditEntry.objects.filter(action__startswith="lab.")
    audit_rows = lab_audit.count()

    page = client_for(staff["tech2"]).post(
        reverse("lab_order_advance", args=[cbc.pk]), {"to": to}, follow=True
    )

    assert f"{cbc.number} {message}" in page.content.decode()
    assert TestOrder.objects.filter(pk=cbc.pk).values().get() == before
    assert lab_audit.count() == audit_rows
    with pytest.raises(services.LabError, match=re.escape(message)):
        advance(cbc, to, staff["tech2"])


def test_an_unknown_step_is_refused(staff, catalog):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")

    with pytest.raises(services.LabError, match="Unknown status"):
        advance(cbc, "done", staff["tech"])

    assert TestOrder.objects.get(pk=cbc.pk).status == OrderStatus.PENDING


def test_completing_needs_every_value_or_the_imaging_findings(staff, catalog):
    patient = make_patient()
    cbc, xray = order(staff, catalog, patient, "CBC", "XR-CHEST")
    for placed in (cbc, xray):
        walk(placed, OrderStatus.IN_PROGRESS, staff)

    with pytest.raises(services.LabError, match=r"Enter the results \(or attach the report\)"):
        advance(cbc, OrderStatus.COMPLETED, staff["tech"])
    with pytest.raises(services.LabError, match=r"Enter the results \(or attach the report\)"):
        advance(xray, OrderStatus.COMPLETED, staff["tech"])
    services.results_enter(
        actor=staff["tech"], order=cbc, values=field_values(cbc, Haemoglobin="13.1")
    )
    with pytest.raises(
        services.LabError,
        match="Enter every value before completing: White cells, Platelets missing",
    ):
        advance(cbc, OrderStatus.COMPLETED, staff["tech"])
    with pytest.raises(services.LabError, match="Enter at least one value or the findings"):
        services.results_enter(actor=staff["tech"], order=xray, values={}, findings="  ")

    assert set(TestOrder.objects.values_list("status", flat=True)) == {OrderStatus.IN_PROGRESS}
    services.results_enter(
        actor=staff["tech"], order=xray, values={}, findings="Right lower lobe consolidation."
    )
    assert advance(xray, OrderStatus.COMPLETED, staff["tech"]).status == OrderStatus.COMPLETED


def test_results_are_entered_only_while_the_test_is_in_progress(staff, catalog):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")

    with pytest.raises(services.LabError, match=f"{cbc.number} is pending"):
        services.results_enter(
            actor=staff["tech"], order=cbc, values=field_values(cbc, **CBC_NORMAL)
        )

    assert not cbc.values.exists() and TestOrder.objects.get(pk=cbc.pk).result_version == 0


def test_the_technician_who_completed_cannot_verify_by_default(staff, catalog, client_for):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    walk(cbc, OrderStatus.COMPLETED, staff)

    page = client_for(staff["tech"]).post(
        reverse("lab_order_advance", args=[cbc.pk]), {"to": "verified"}, follow=True
    )

    assert "you completed this test, so a colleague must verify it" in page.content.decode()
    assert TestOrder.objects.get(pk=cbc.pk).status == OrderStatus.COMPLETED
    assert advance(cbc, OrderStatus.VERIFIED, staff["tech2"]).verified_by == staff["tech2"]


def test_a_one_person_lab_may_verify_its_own_results_when_the_setting_allows(
    staff, catalog, settings
):
    settings.HMS_LAB_ALLOW_SELF_VERIFY = True
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    walk(cbc, OrderStatus.COMPLETED, staff)

    verified = advance(cbc, OrderStatus.VERIFIED, staff["tech"])

    assert verified.status == OrderStatus.VERIFIED and verified.verified_by == staff["tech"]
    assert verified.completed_by == staff["tech"]


def test_the_technician_who_entered_the_values_cannot_verify_them_either(staff, catalog):
    """The two-person rule is about the result: whoever entered the values is not the second
    person, even when a colleague pressed "Completed"."""
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    services.results_enter(actor=staff["tech"], order=cbc, values=field_values(cbc, **CBC_NORMAL))
    advance(cbc, OrderStatus.COMPLETED, staff["tech2"])

    with pytest.raises(services.LabError, match="A second person verifies a result"):
        advance(cbc, OrderStatus.VERIFIED, staff["tech"])

    assert TestOrder.objects.get(pk=cbc.pk).status == OrderStatus.COMPLETED


@pytest.mark.parametrize("role", [rbac.DOCTOR, rbac.NURSE, rbac.RECEPTIONIST, rbac.PATIENT])
def test_only_the_lab_moves_an_order_enters_results_or_attaches_reports(
    staff, catalog, make_user, client_for, role
):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    client = client_for(make_user(role))
    field = cbc.test.fields.first()

    responses = [
        client.post(reverse("lab_order_advance", args=[cbc.pk]), {"to": "completed"}),
        client.post(reverse("lab_results_enter", args=[cbc.pk]), {f"field-{field.pk}": "9"}),
        client.post(
            reverse("lab_results_amend", args=[cbc.pk]),
            {f"field-{field.pk}": "9", "reason": "x"},
        ),
        client.post(
            reverse("lab_report_attach", args=[cbc.pk]),
            {"report": SimpleUploadedFile("r.pdf", PDF)},
        ),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    cbc.refresh_from_db()
    assert (cbc.status, cbc.result_version, cbc.report.name) == (OrderStatus.IN_PROGRESS, 0, "")


def test_the_worklist_puts_stat_before_urgent_before_routine_oldest_first(
    staff, catalog, client_for
):
    placed = {}
    for minutes, name, code, priority in [
        (50, "old routine", "CBC", "routine"),
        (40, "old stat", "RBS", "stat"),
        (30, "urgent", "UEC", "urgent"),
        (20, "new stat", "CBC", "stat"),
        (10, "new routine", "XR-CHEST", "routine"),
        (5, "newest urgent", "US-ABD", "urgent"),
    ]:
        with minutes_ago(minutes):
            (placed[name],) = order(staff, catalog, make_patient(), code, priority=priority)
    done = placed.pop("newest urgent")
    walk(done, OrderStatus.COMPLETED, staff, findings="Normal liver and gallbladder.")

    client = client_for(staff["tech"])
    page = client.get(reverse("lab_worklist")).content.decode()
    radiology = client.get(reverse("lab_worklist"), {"department": "radiology"}).content.decode()
    haematology = client.get(reverse("lab_worklist"), {"department": "haematology"})

    expected = ["old stat", "new stat", "urgent", "old routine", "new routine"]
    assert numbers_in(page) == [placed[name].number for name in expected]
    assert numbers_in(radiology) == [placed["new routine"].number]
    assert numbers_in(haematology.content.decode()) == [
        placed["new stat"].number,
        placed["old routine"].number,
    ]
    awaiting = page.split('data-testid="awaiting"')[1]
    assert done.number in awaiting and "Abdominal ultrasound" in awaiting
    assert [o.number for o in selectors.worklist(department="biochemistry")] == [
        placed["old stat"].number,
        placed["urgent"].number,
    ]
    # The awaiting panel's "see all" is a step of the Step select, shown as picked.
    completed = client.get(reverse("lab_worklist"), {"status": "completed"}).content.decode()
    assert numbers_in(completed) == [done.number]
    assert '<option value="completed" selected>Completed, awaiting verification</option>' in (
        completed
    )


def test_the_late_list_shows_open_and_unverified_tests_past_their_target(
    staff, catalog, client_for
):
    with minutes_ago(180):
        (late_glucose,) = order(staff, catalog, make_patient(), "RBS")  # 60 min target
        (late_cbc,) = order(staff, catalog, make_patient(), "CBC")  # 120, completed only
        (head_ct,) = order(staff, catalog, make_patient(), "CT-HEAD")  # 240: not late yet
        (verified,) = order(staff, catalog, make_patient(), "CBC")
        (cancelled,) = order(staff, catalog, make_patient(), "RBS")
    walk(late_cbc, OrderStatus.COMPLETED, staff)
    walk(verified, OrderStatus.VERIFIED, staff)
    services.order_cancel(actor=staff["doctor"], order=cancelled, reason="Not needed")
    # The glucose target shortened since: the late list keeps the one the order was given.
    LabTest.objects.filter(code="RBS").update(turnaround_minutes=30)
    client = client_for(staff["tech"])

    page = client.get(reverse("lab_late")).content.decode()
    worklist = client.get(reverse("lab_worklist")).content.decode()

    late_rows = page.split('data-testid="late-list"')[1].split("</table>")[0]
    assert late_rows.count('data-testid="late-row"') == 2
    glucose_row = late_rows.split(late_glucose.number)[1].split("</tr>")[0]
    assert "<td>60 min</td>" in glucose_row and "30 min" not in glucose_row
    assert late_rows.index(late_glucose.number) < late_rows.index(late_cbc.number)
    for absent in (head_ct, verified, cancelled):
        assert absent.number not in late_rows
    assert "Past target: 2" in worklist
    assert [o.pk for o in selectors.late_orders()] == [late_glucose.pk, late_cbc.pk]


def test_turnaround_medians_per_test_over_the_verified_tests(staff, catalog, client_for):
    start = timezone.now() - timedelta(days=2)
    # (to sample, to completed, to verified) in minutes; the glucose target is 60 minutes.
    timings = [(10, 30, 40), (20, 50, 90), (12, 44, 58)]
    for n, (sample, completed, verified) in enumerate(timings):
        origin = start + timedelta(hours=n)
        with time_machine.travel(origin, tick=False):
            (glucose,) = order(staff, catalog, make_patient(), "RBS")
        with time_machine.travel(origin + timedelta(minutes=sample), tick=False):
            advance(glucose, OrderStatus.COLLECTED, staff["tech"])
            advance(glucose, OrderStatus.IN_PROGRESS, staff["tech"])
            services.results_enter(
                actor=staff["tech"], order=glucose, values=field_values(glucose, Glucose="5.5")
            )
        with time_machine.travel(origin + timedelta(minutes=completed), tick=False):
            advance(glucose, OrderStatus.COMPLETED, staff["tech"])
        with time_machine.travel(origin + timedelta(minutes=verified), tick=False):
            advance(glucose, OrderStatus.VERIFIED, staff["tech2"])
    with minutes_ago(60 * 24 * 40):  # verified 40 days ago: outside the 30-day window
        (old,) = order(staff, catalog, make_patient(), "RBS")
        walk(old, OrderStatus.VERIFIED, staff, values={"Glucose": "5"})

    # The lab manager shortens the target afterwards: the orders keep the target they were
    # ordered with (their due_at), so the two verified within 60 minutes stay within target.
    LabTest.objects.filter(code="RBS").update(turnaround_minutes=45)

    (row,) = selectors.turnaround()
    page = client_for(staff["tech"]).get(reverse("lab_late")).content.decode()

    assert (row.code, row.count, row.target) == ("RBS", 3, 45)
    assert (row.to_sample, row.to_completed, row.to_verified) == (12.0, 44.0, 58.0)
    assert row.within_target == 2
    table = page.split('data-testid="turnaround"')[1]
    assert "Random blood glucose" in table and "58.0" in table and "2 of 3" in table


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancel_and_a_start_at_the_same_moment_do_not_both_happen(staff, catalog):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    advance(cbc, OrderStatus.COLLECTED, staff["tech"])

    cancelled, started = at_once(
        lambda: services.order_cancel(actor=staff["doctor"], order=cbc, reason="Not needed"),
        lambda: advance(cbc, OrderStatus.IN_PROGRESS, staff["tech"]),
    )

    outcomes = [isinstance(o, services.LabError) for o in (cancelled, started)]
    assert sorted(outcomes) == [False, True], (cancelled, started)
    cbc.refresh_from_db()
    reversed_ = Charge.objects.filter(source=f"lab.TestOrder:{cbc.pk}", amount__lt=0).exists()
    if isinstance(started, services.LabError):
        assert cbc.status == OrderStatus.CANCELLED and reversed_
        assert "is cancelled: nothing follows" in str(started)
    else:
        assert cbc.status == OrderStatus.IN_PROGRESS and not reversed_
        assert "only a test the lab has not started on can be cancelled" in str(cancelled)
