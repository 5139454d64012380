"""A merged record's MRN is an alias everywhere, not only on clinical's pages: another module's page
opened with the merged record's id (a bookmark, a tab left open since before the merge) shows
and acts on the record kept, so no deposit, admission or booking ever lands on a record merged
away."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import AdvanceDeposit
from clinical.services.merging import patient_merge
from tests.factories import PatientFactory


@pytest.fixture
def merged_pair(staff):
    kept = PatientFactory(first_name="Wanjiru", last_name="Kamau")
    duplicate = PatientFactory(first_name="Wanjeru", last_name="Kamau")
    patient_merge(actor=staff.admin, survivor=kept, merged=duplicate)
    return kept, duplicate


def test_the_merged_records_account_is_the_record_kepts(staff, client_for, merged_pair):
    kept, duplicate = merged_pair
    desk = client_for(staff.receptionist)

    response = desk.get(reverse("patient_account", args=[duplicate.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("patient_account", args=[kept.pk])
    assert f"merged into MRN {kept.mrn}" in response.content.decode()


def test_a_deposit_sent_from_the_merged_records_old_page_goes_to_the_record_kept(
    staff, client_for, merged_pair, charge_master
):
    kept, duplicate = merged_pair

    client_for(staff.receptionist).post(
        reverse("advance_take", args=[duplicate.pk]),
        {"amount": "500.00", "mode": "cash", "submission": str(uuid.uuid4())},
    )

    assert AdvanceDeposit.objects.get().patient_id == kept.pk
    assert AdvanceDeposit.objects.get().amount == Decimal("500.00")


@pytest.mark.parametrize(
    "url_name",
    ["admission_new", "appointment_book"],
)
def test_admitting_or_booking_the_merged_record_picks_the_record_kept(
    staff, client_for, merged_pair, url_name
):
    kept, duplicate = merged_pair

    page = (
        client_for(staff.receptionist)
        .get(reverse(url_name), {"patient": str(duplicate.pk)})
        .content.decode()
    )

    assert str(kept.pk) in page and kept.mrn in page
    assert str(duplicate.pk) not in page


def test_the_services_refuse_to_admit_or_book_a_record_merged_away(
    staff, merged_pair, charge_master
):
    """Whatever a caller hands them (an API, a stale object): the record kept, never the alias."""
    from datetime import timedelta

    from django.utils import timezone

    from clinical.services import BookingError, appointment_book
    from wards import services as wards

    _kept, duplicate = merged_pair
    ward = wards.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=1
    )

    with pytest.raises(wards.WardError, match="merged into another"):
        wards.admission_create(
            actor=staff.nurse,
            patient=duplicate,
            attending_doctor=staff.doctor,
            bed=ward.beds.get(),
            reason="Fever",
        )
    with pytest.raises(BookingError, match="merged into another"):
        appointment_book(
            actor=staff.receptionist,
            patient=duplicate,
            doctor=staff.doctor,
            starts_at=timezone.now() + timedelta(days=1),
        )
