"""Reference ranges by age in days (neonate, infant, child, adolescent, adult) and for a patient
whose sex is other or unknown; the catalogue form that enters a band with its unit; the
migration from whole years."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinical.ages import age_in_range_days, age_in_years
from lab import selectors, services
from lab.models import Flag, OrderStatus, ReferenceRange, ResultField, ResultValue
from tests.factories import PatientFactory
from tests.lab.conftest import field_values, order, walk

NAIROBI = ZoneInfo("Africa/Nairobi")
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime(2026, 11, 23, 9, tzinfo=NAIROBI), tick=False):
        yield


def haemoglobin(staff, catalog, patient, value: str) -> ResultValue:
    (placed,) = order(staff, catalog, patient, "CBC")
    placed = walk(placed, OrderStatus.IN_PROGRESS, staff)
    services.results_enter(
        actor=staff["tech"],
        order=placed,
        values=field_values(placed, Haemoglobin=value, White_cells="10", Platelets="250"),
    )
    return ResultValue.objects.get(order=placed, name="Haemoglobin")


def test_a_healthy_ten_day_old_with_haemoglobin_17_is_not_flagged(staff, catalog):
    newborn = PatientFactory(sex="M", date_of_birth=date(2026, 11, 13))

    value = haemoglobin(staff, catalog, newborn, "17")

    assert (value.flag, value.reference) == (Flag.NORMAL, "13.4–22.5")


def test_a_forty_day_old_is_in_the_infant_band_not_the_newborns(staff, catalog):
    infant = PatientFactory(sex="F", date_of_birth=date(2026, 10, 14))

    value = haemoglobin(staff, catalog, infant, "10")

    field = ResultField.objects.get(test=catalog["CBC"], name="Haemoglobin")
    band = selectors.reference_range(list(field.ranges.all()), "F", 40)
    assert (band.age_from_days, band.age_to_days, band.age_band) == (
        29,
        61,
        "29 days to under 2 months",
    )
    assert (value.flag, value.reference) == (Flag.NORMAL, "9.4–17.1")  # low for a newborn


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2026, 10, 26), "0–28 days"),  # 28 days old
        (date(2026, 10, 25), "29 days to under 2 months"),  # 29 days old
        (date(2025, 11, 24), "2 months to under 1 year"),  # a day before the first birthday
        (date(2025, 11, 23), "1 year to under 6 years"),
        (date(2008, 11, 24), "12 years to under 18 years"),
        (date(2008, 11, 23), "18 years and over"),
        # Born on a leap day: 18 on 1 March in a year without one.
        (date(2008, 2, 29), "18 years and over"),
    ],
)
def test_the_band_changes_on_the_day_the_patient_reaches_it(catalog, born, band):
    field = ResultField.objects.get(test=catalog["CBC"], name="Haemoglobin")

    chosen = selectors.reference_range(
        list(field.ranges.all()), "M", age_in_range_days(born, TODAY)
    )

    assert chosen.age_band == band


def test_a_leap_day_baby_is_still_17_on_28_february(catalog):
    field = ResultField.objects.get(test=catalog["CBC"], name="Haemoglobin")
    ranges = list(field.ranges.all())
    born = date(2008, 2, 29)

    on_28th = selectors.reference_range(ranges, "M", age_in_range_days(born, date(2026, 2, 28)))
    on_1st = selectors.reference_range(ranges, "M", age_in_range_days(born, date(2026, 3, 1)))

    assert (on_28th.age_band, on_1st.age_band) == (
        "12 years to under 18 years",
        "18 years and over",
    )


@pytest.mark.parametrize("sex", ["U", "O"])
@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("12.5", Flag.NORMAL),  # normal for a woman, low for a man
        ("16.5", Flag.NORMAL),  # normal for a man, high for a woman
        ("17.5", Flag.HIGH),
        ("11.9", Flag.LOW),
        ("6.9", Flag.CRITICAL_LOW),
    ],
)
def test_unknown_or_other_sex_gets_the_sexes_ranges_combined_with_a_note(
    staff, catalog, sex, value, flag
):
    adult = PatientFactory(sex=sex, date_of_birth=date(1986, 5, 1))

    result = haemoglobin(staff, catalog, adult, value)

    assert (result.flag, result.reference) == (flag, "12–17 (range for either sex)")


def test_unknown_sex_with_a_range_for_either_sex_gets_it_without_a_note(staff, catalog):
    child = PatientFactory(sex="U", date_of_birth=date(2018, 1, 10))

    value = haemoglobin(staff, catalog, child, "12")

    assert (value.flag, value.reference) == (Flag.NORMAL, "11.5–15.5")


def test_the_combined_range_keeps_the_more_cautious_critical_limits(db, catalog):
    field = ResultField.objects.get(test=catalog["CBC"], name="Haemoglobin")
    female = ReferenceRange(field=field, sex="F", low=Decimal("12"), high=Decimal("15"))
    female.critical_low, female.critical_high = Decimal("7"), Decimal("20")
    male = ReferenceRange(field=field, sex="M", low=Decimal("13"), high=None)
    male.critical_low, male.critical_high = Decimal("8"), None
    female.pk, male.pk = 1, 2

    combined = selectors.reference_range([female, male], "U", 30 * 365)

    assert (combined.low, combined.high) == (Decimal("12"), None)  # no upper limit for men
    assert (combined.critical_low, combined.critical_high) == (Decimal("8"), Decimal("20"))
    assert combined.describe_with_note() == "≥ 12 (range for either sex)"


def test_unknown_sex_with_only_one_sexs_range_is_compared_against_it_with_the_note(db, catalog):
    field = ResultField.objects.get(test=catalog["CBC"], name="Platelets")
    only_women = ReferenceRange(field=field, sex="F", low=Decimal("1"), high=Decimal("2"))
    only_women.pk = 1

    band = selectors.reference_range([only_women], "U", 10_000)

    assert band.describe_with_note() == "1–2 (range for either sex)"
    assert selectors.reference_range([only_women], "M", 10_000) is None


def test_the_order_page_shows_the_combined_range_to_the_technician(staff, catalog, client_for):
    adult = PatientFactory(sex="U", date_of_birth=date(1986, 5, 1))
    (placed,) = order(staff, catalog, adult, "CBC")
    placed = walk(placed, OrderStatus.IN_PROGRESS, staff)

    page = client_for(staff["tech"]).get(reverse("lab_order", args=[placed.pk])).content.decode()

    assert "ref 12–17 (range for either sex)" in page


def test_the_order_page_shows_a_newborns_age_in_days(staff, catalog, client_for):
    newborn = PatientFactory(sex="M", date_of_birth=date(2026, 11, 13))
    (placed,) = order(staff, catalog, newborn, "CBC")

    page = client_for(staff["tech"]).get(reverse("lab_order", args=[placed.pk])).content.decode()

    assert '<span data-testid="patient-age">10 days</span>' in page


# --- the catalogue form: ages with their unit ----------------------------------------------------


def add_range(client, test, field, **posted):
    data = {"field": field.pk, "sex": "", "low": "1", "high": "2"}
    data.update(posted)
    return client.post(reverse("lab_catalogue_range_add", args=[test.pk]), data, follow=True)


@pytest.mark.parametrize(
    ("posted", "stored", "shown"),
    [
        (
            {"age_from": "0", "age_from_unit": "days", "age_to": "29", "age_to_unit": "days"},
            (0, 29),
            "0–28 days",
        ),
        (
            {"age_from": "29", "age_from_unit": "days", "age_to": "1", "age_to_unit": "years"},
            (29, 365),
            "29 days to under 1 year",
        ),
        (
            {"age_from": "6", "age_from_unit": "months", "age_to": "2", "age_to_unit": "years"},
            (183, 730),
            "6 months to under 2 years",
        ),
        ({"age_from": "18", "age_from_unit": "years", "age_to_unit": "years"}, (6570, None), None),
    ],
)
def test_the_lab_manager_enters_a_band_with_its_unit(
    staff, catalog, client_for, posted, stored, shown
):
    test = catalog["RBS"]
    field = test.fields.get()

    page = add_range(client_for(staff["admin"]), test, field, **posted).content.decode()

    band = field.ranges.order_by("-id").first()
    assert (band.age_from_days, band.age_to_days) == stored
    assert "Reference range added." in page
    assert f"Any, {shown or '18 years and over'}" in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        (
            {"age_from": "1", "age_from_unit": "years", "age_to": "6", "age_to_unit": "months"},
            "The age band must end after it starts.",
        ),
        ({"age_from": "99999999", "age_from_unit": "years", "age_to_unit": "years"}, "At most 130"),
        ({"age_from": "-1", "age_from_unit": "days", "age_to_unit": "days"}, "Enter 0 or more."),
        ({"age_from": "1", "age_from_unit": "weeks", "age_to_unit": "days"}, "valid choice"),
    ],
)
def test_a_band_that_makes_no_sense_is_refused_with_the_reason(
    staff, catalog, client_for, posted, message
):
    test = catalog["RBS"]
    field = test.fields.get()
    before = field.ranges.count()

    response = add_range(client_for(staff["admin"]), test, field, **posted)

    assert response.status_code == 200 and message in response.content.decode()
    assert field.ranges.count() == before


# --- the migration from whole years ------------------------------------------------------------


def test_the_migration_turns_year_bands_into_the_same_bands_in_days(db, catalog):
    from importlib import import_module

    migration = import_module("lab.migrations.0002_range_ages_in_days")
    field = ResultField.objects.get(test=catalog["CBC"], name="Platelets")
    ReferenceRange.objects.all().delete()
    ReferenceRange.objects.create(field=field, age_from_days=0, age_to_days=1)
    ReferenceRange.objects.create(field=field, age_from_days=1, age_to_days=18)
    ReferenceRange.objects.create(field=field, age_from_days=18, age_to_days=None)

    migration.years_to_days(django_apps, None)

    assert list(
        ReferenceRange.objects.order_by("age_from_days").values_list("age_from_days", "age_to_days")
    ) == [(0, 365), (365, 6570), (6570, None)]


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 23)),
    lived=st.integers(min_value=0, max_value=120 * 366),
    years=st.integers(min_value=0, max_value=120),
)
def test_a_band_of_whole_years_in_days_holds_the_same_patients_as_before(born, lived, years):
    from datetime import timedelta

    on = born + timedelta(days=lived)

    in_days = age_in_range_days(born, on) >= years * 365
    in_years = age_in_years(born, on) >= years

    assert in_days == in_years
