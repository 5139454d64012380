"""The demo hospital's ninety days of history (reports.demo), as `seed_demo` leaves it on a fresh
database: the dashboard has money, discharges, turnaround and a forecast to show; the history is
consistent (beds, patients, bed status history, payments, medication doses); loading the demo
again adds nothing.

The demo is loaded once for the package (tests/demo/conftest.py).
"""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.db.models import Sum
from django.utils import timezone

from billing.models import CreditNote, Invoice, Payment, Refund
from hms import audit
from hms.models import AuditEntry
from pharmacy.models import MedicationAdministration
from reports import forecast
from reports.metrics import metric
from reports.period import preset_period
from wards.models import Admission, Bed, BedStatus, BedStay, WardKind


@pytest.mark.parametrize("preset", ["30d", "last_month"])
def test_the_dashboard_shows_money_received_on_most_days_by_more_than_one_mode(seeded, preset):
    period = preset_period(preset, timezone.localdate())

    revenue = metric("revenue").compute(period)

    days_with_money = [net for net in revenue.received_by_day if net > 0]
    assert len(days_with_money) >= 20, revenue.received_by_day
    modes = [label for label, total in revenue.by_mode if total > 0]
    assert len(modes) >= 2, revenue.by_mode
    assert revenue.billed_total > 0


@pytest.mark.parametrize("preset", ["30d", "last_month"])
def test_every_ward_type_has_discharges_with_a_length_of_stay(seeded, preset):
    period = preset_period(preset, timezone.localdate())

    stays = metric("length_of_stay").compute(period)

    for kind in stays.kinds:
        assert kind.discharges >= 1, kind.label
        assert kind.mean_days > 0 and kind.median_days > 0, kind.label
    emergency = next(k for k in stays.kinds if k.kind == WardKind.EMERGENCY)
    general = next(k for k in stays.kinds if k.kind == WardKind.GENERAL)
    assert emergency.mean_days < 1 < general.mean_days  # hours in the unit, days on the ward


def test_the_lab_turnaround_has_verified_orders_of_several_tests(seeded):
    period = preset_period("30d", timezone.localdate())

    turnaround = metric("turnaround").compute(period)

    measured = [test for test in turnaround.tests if test.verified and test.median_minutes]
    assert len(measured) >= 5, [test.code for test in measured]
    assert turnaround.within_target > 0


def test_the_forecast_shows_a_band_for_every_ward_type(seeded):
    made = forecast.occupancy_forecast()

    assert {ward.kind for ward in made.wards} == set(WardKind.values)
    for ward in made.wards:
        assert not ward.too_little_history, ward.label
        assert ward.history_days >= forecast.MIN_HISTORY, ward.label
        assert len(ward.high) == forecast.HORIZON
        assert all(lo <= hi for lo, hi in zip(ward.low, ward.high, strict=True)), ward.label
    assert len(made.charts()) == len(made.wards)


def test_no_bed_holds_two_stays_at_once_and_no_patient_is_in_two_beds(seeded):
    now = timezone.now()
    stays = list(BedStay.objects.order_by("bed_id", "started_at", "pk"))
    admissions = list(Admission.objects.order_by("patient_id", "admitted_at", "pk"))

    for before, after in pairwise(stays):
        if before.bed_id == after.bed_id:
            assert (before.ended_at or now) <= after.started_at, (before, after)
    for before, after in pairwise(admissions):
        if before.patient_id == after.patient_id:
            assert (before.discharged_at or now) <= after.admitted_at, (before, after)
    assert BedStay.objects.filter(started_at__gt=now).count() == 0
    assert Admission.objects.filter(discharged_at__gt=now).count() == 0


def test_each_admissions_stays_follow_one_another_from_admission_to_discharge(seeded):
    for admission in Admission.objects.prefetch_related("stays"):
        stays = list(admission.stays.order_by("started_at", "pk"))

        assert stays[0].started_at == admission.admitted_at
        assert all(a.ended_at == b.started_at for a, b in pairwise(stays)), admission
        assert stays[-1].ended_at == admission.discharged_at
        assert stays[-1].bed_id == admission.bed_id


def test_each_beds_status_history_matches_its_stays_and_its_status(seeded):
    # A service stamps the stay and the bed's change with two calls of the clock: microseconds.
    same = timedelta(seconds=1)
    for bed in Bed.objects.prefetch_related("status_changes", "stays"):
        changes = sorted(bed.status_changes.all(), key=lambda c: (c.at, c.pk))
        status = BedStatus.VACANT
        occupied = []
        for change in changes:
            assert change.from_status in ("", status), (bed, change)
            if change.to_status == BedStatus.OCCUPIED:
                occupied.append([change.at, None])
            elif change.from_status == BedStatus.OCCUPIED:
                occupied[-1][1] = change.at
            status = change.to_status
        stays = sorted(bed.stays.all(), key=lambda s: s.started_at)

        assert status == bed.status, bed
        assert len(occupied) == len(stays), bed
        for (began, ended), stay in zip(occupied, stays, strict=True):
            assert abs(began - stay.started_at) < same, (bed, stay)
            assert (ended is None) == (stay.ended_at is None), (bed, stay)
            assert ended is None or abs(ended - stay.ended_at) < same, (bed, stay)


def test_no_medication_dose_is_recorded_outside_its_admission(seeded):
    doses = MedicationAdministration.objects.select_related("order__admission")

    assert doses.exists()
    for dose in doses:
        admission = dose.order.admission
        assert admission.admitted_at <= dose.recorded_at <= timezone.now(), dose
        assert admission.discharged_at is None or dose.recorded_at <= admission.discharged_at


def test_no_invoice_is_paid_more_than_it_billed(seeded):
    invoices = Invoice.objects.exclude(number="")
    received = dict(
        Payment.objects.filter(reversed_at__isnull=True)
        .values_list("invoice")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    given_back = dict(
        Refund.objects.values_list("payment__invoice").annotate(total=Sum("amount")).order_by()
    )

    assert invoices.count() > 50
    for invoice in invoices:
        assert invoice.amount_paid <= invoice.patient_share - invoice.amount_credited, invoice
        money_kept = received.get(invoice.pk, 0) - given_back.get(invoice.pk, 0)
        assert money_kept == invoice.amount_paid, invoice
    # The history's corrections: a line credited before paying, a fee given back after.
    assert CreditNote.objects.exists() and Refund.objects.exists()


def test_the_past_was_recorded_as_it_happened(seeded):
    first = timezone.now() - timedelta(days=85)
    early = Admission.objects.filter(admitted_at__lt=first).first()
    admitted = [
        timezone.localtime(at) for at in Admission.objects.values_list("admitted_at", flat=True)
    ]

    assert early is not None
    assert audit.verify().ok
    # An early stay's audit rows are of its days, not of the day the demo was loaded.
    rows = AuditEntry.objects.filter(object_type="wards.Admission", object_id=str(early.pk))
    assert rows.exists() and all(row.at < first + timedelta(days=30) for row in rows)
    # More admissions a day on weekdays than at weekends.
    assert (
        sum(at.weekday() < 5 for at in admitted) / 5 > sum(at.weekday() >= 5 for at in admitted) / 2
    )


def test_loading_the_demo_again_adds_no_row(seeded):
    assert seeded.second == seeded.first
    assert seeded.first["clinical.Patient"] >= 10
