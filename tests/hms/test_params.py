"""The shared parsers of hms.params, and the odd values of issue 11 each answered as it should be:
a fallback or a message, never a server error, never a value silently changed."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.urls import reverse

from hms import params, rbac
from hr.models import Attendance
from tests.conftest import sign_in
from tests.factories import PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.mark.parametrize(
    "value", ["2025-02-29", "2026-13-01", "0000-00-00", "x", "", None, "9" * 99]
)
def test_an_impossible_date_is_none(value):
    assert params.date_param(value) is None


def test_a_real_date_is_read():
    assert params.date_param("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize(
    "value", ["x", "-1", "0", "1.5", "²", "1_000", "99999999999999999999", str(2**63), "", None]
)
def test_what_is_not_a_database_id_is_none(value):
    assert params.db_id(value) is None


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1.5, True, None, [], {}])
def test_what_json_over_the_socket_may_carry_is_no_id(value):
    # The chat socket's "typing" message names a thread: JSON may say 1e999, true or a list.
    assert params.db_id(value) is None


def test_a_database_id_is_read_up_to_bigint():
    assert params.db_id("42") == 42 and params.db_id(str(2**63 - 1)) == 2**63 - 1
    assert params.db_ids(["3", "x", "3", "²", "7"]) == [3, 7]


def test_a_uuid_or_none():
    known = uuid.uuid4()

    assert params.uuid_param(str(known)) == known
    assert params.uuid_param("x") is None and params.uuid_param("1" * 200) is None


def test_a_datetime_without_offset_is_the_hospitals_local_time(settings):
    settings.TIME_ZONE = "Africa/Nairobi"

    moment = params.local_datetime("2026-12-05T10:00")

    assert moment == datetime(2026, 12, 5, 10, 0, tzinfo=NAIROBI)
    assert params.local_datetime("2026-13-05T10:00") is None
    assert params.local_datetime("2026-12-05T10:00+00:00").utcoffset().total_seconds() == 0


def test_a_datetime_outside_the_calendar_is_no_moment(client, staff):
    """0001-01-01 as a history's `before` overflowed its query (a 500, session 33)."""
    assert params.local_datetime("0001-01-01T00:00") is None
    assert params.local_datetime("9999-12-31T23:59") is None
    assert params.local_datetime("1800-01-01T00:00") is not None

    history = sign_in(client, staff.doctor).get(
        reverse("patient_history", args=[staff.patient.pk]), {"before": "0001-01-01"}
    )

    assert history.status_code == 200


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("/billing/claims/?status=paid", True),
        ("my attendance", False),
        ("back-to-list", False),
        ("//evil.example", False),
        ("javascript:alert(1)", False),
        ("https://evil.example/", False),
        ("/\\evil.example", False),
    ],
)
def test_next_is_followed_only_to_a_local_path(value, safe):
    request = RequestFactory().post("/", {"next": value})

    assert params.safe_next(request, "/fallback/") == (value if safe else "/fallback/")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.23456", "Enter the amount in cents at most"),
        ("1_000", "Enter the amount as a number"),
        ("1e3", "Enter the amount as a number"),
        ("NaN", "Enter the amount as a number"),
        ("²", "Enter the amount as a number"),
        ("١٢", "Enter the amount as a number"),  # Arabic-Indic digits: Decimal() takes them
        ("-5", "zero or more"),
        ("1" * 15, "too large"),
    ],
)
def test_an_amount_not_in_plain_digits_is_refused_never_rounded(value, message):
    with pytest.raises(params.ValueRefused, match=message):
        params.amount(value)


def test_an_amount_in_plain_digits_is_taken_exactly():
    assert params.amount("1500") == Decimal("1500.00")
    assert params.amount(" 1500.5 ") == Decimal("1500.50")
    assert params.amount("", blank_is_zero=True) == Decimal("0.00")


def test_over_long_text_is_refused_naming_the_limit():
    with pytest.raises(params.ValueRefused, match="Reference: at most 60 characters"):
        params.bounded_text("R" * 10000, limit=60, label="Reference")

    assert params.bounded_text("  ok  ", limit=60) == "ok"


# --- the examples of issue 11, through the screens --------------------------------------------


@pytest.mark.parametrize("day", ["2025-02-29", "2026-13-01", "0000-00-00"])
def test_an_impossible_day_shows_today_instead(client_for, make_user, day):
    desk = client_for(make_user(rbac.RECEPTIONIST))

    for name in ("appointment_list", "slot_picker", "appointment_book"):
        response = desk.get(reverse(name), {"date": day, "doctor": "99999999999999999999"})

        assert response.status_code == 200, name


@pytest.mark.parametrize("url_name", ["appointment_book", "admission_new"])
def test_a_patient_id_that_is_not_a_uuid_finds_nobody(client_for, make_user, url_name):
    desk = client_for(make_user(rbac.RECEPTIONIST))

    assert desk.get(reverse(url_name), {"patient": "x"}).status_code == 200
    assert desk.post(reverse(url_name), {"patient": "x"}).status_code == 200


def test_marking_attendance_with_a_next_that_is_no_path_goes_to_my_attendance(
    client_for, make_user
):
    nurse = make_user(rbac.NURSE)

    response = client_for(nurse).post(reverse("attendance_mark"), {"next": "my attendance"})

    assert response.status_code == 302 and response["Location"] == reverse("my_attendance")
    assert Attendance.objects.filter(user=nurse, started_by="click").count() == 1


def test_a_nul_byte_anywhere_is_refused_with_a_page_saying_why(client_for, make_user):
    desk = client_for(make_user(rbac.RECEPTIONIST))
    patient = PatientFactory()

    answers = [
        desk.get(reverse("patient_list"), {"q": "a\x00b"}),
        desk.post(reverse("patient_archive", args=[patient.pk]), {"reason": "a\x00b"}),
    ]

    assert [a.status_code for a in answers] == [400, 400]
    assert "cannot be stored" in answers[1].content.decode()
    assert not patient.state_changes.filter(to_state="archived").exists()


def test_an_over_long_reason_is_refused_not_cut(client_for, make_user):
    desk = client_for(make_user(rbac.RECEPTIONIST))
    patient = PatientFactory()

    response = desk.post(
        reverse("patient_archive", args=[patient.pk]), {"reason": "r" * 10000}, follow=True
    )

    assert "Reason: at most 200 characters" in response.content.decode()
    assert not patient.state_changes.filter(to_state="archived").exists()
