"""schemathesis against the API's own OpenAPI schema: requests generated from every operation's
parameters and bodies (valid ones and edge cases), sent to a running server as the
administrator, who passes every permission check and so reaches every view's code. Any 5xx is a
failure: the API answers bad input with problem details, never with a crash.

Each operation runs as a Hypothesis test of its own here (schemathesis' pytest plugin reads a
node attribute pytest 9 no longer has)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import schemathesis
import time_machine
from django.apps import apps
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from clinical.models import Appointment, AppointmentChange
from messaging import services as messaging
from tests.api.conftest import tokens_for
from tests.factories import AppointmentFactory, DoctorScheduleFactory

EXAMPLES_PER_OPERATION = 25
NAIROBI = ZoneInfo("Africa/Nairobi")


def test_no_generated_request_makes_the_api_answer_a_server_error(
    transactional_db, staff, live_server, monkeypatch
):
    # Generated requests come far faster than a person's: the rate limits (tested on their own
    # in test_tokens.py) would answer most of them 429 before they reach the view.
    for throttle in (AnonRateThrottle, UserRateThrottle, ScopedRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": None, "user": None, "token": None})
    headers = {"Authorization": f"Bearer {tokens_for(staff.admin)['access']}"}
    api_schema = schemathesis.openapi.from_dict(
        SchemaGenerator().get_schema(request=None, public=True)
    )
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            case.call_and_validate(
                base_url=live_server.url,
                headers=headers,
                checks=[schemathesis.checks.not_a_server_error],
            )

        no_server_error()


def _rows_of(*models) -> dict:
    """Each model's rows as they are now, by primary key."""
    return {model: {row["id"]: row for row in model.objects.values()} for model in models}


def _rows_put_back(rows: dict) -> None:
    """The models' rows as `_rows_of` saw them: the newer deleted, the older as they were."""
    for model, kept in reversed(rows.items()):
        model.objects.exclude(pk__in=kept).delete()
    for model, kept in rows.items():
        for pk, row in kept.items():
            model.objects.filter(pk=pk).update(**{k: v for k, v in row.items() if k != "id"})


@pytest.fixture
def early_morning():
    """Six in the morning at the hospital, the clock running: today's slots are all ahead."""
    today = timezone.localdate()
    with time_machine.travel(datetime.combine(today, time(6), tzinfo=NAIROBI), tick=True):
        yield


def test_following_the_schemas_links_as_a_patient_never_makes_a_server_error(
    transactional_db, early_morning, staff, live_server, monkeypatch
):
    """Stateful: sequences of calls that follow the schema's OpenAPI links with real ids (the
    doctors → a doctor's slots → book one → reschedule or cancel it; my notifications → read
    one; my threads → send), as Mary's app, whose token may book. Hypothesis picks the chains
    (derandomized, though the records' ids and the clock still vary between runs)."""
    for throttle in (AnonRateThrottle, UserRateThrottle, ScopedRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": None, "user": None, "token": None})
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    thread = messaging.thread_start(initiator=staff.doctor, others=[staff.patient_user])
    messaging.message_send(sender=staff.doctor, thread=thread, body="How is the cough?")
    messaging.notify(staff.patient_user, "Your result is ready")
    for weekday in range(7):
        DoctorScheduleFactory(
            doctor=staff.doctor, weekday=weekday, start_time=time(8), end_time=time(17)
        )
    headers = {"Authorization": f"Bearer {tokens_for(staff.patient_user)['access']}"}
    api_schema = schemathesis.openapi.from_dict(
        SchemaGenerator().get_schema(request=None, public=True)
    )
    steps: list[tuple[str, int]] = []
    start = _rows_of(Appointment, AppointmentChange, *apps.get_app_config("messaging").get_models())

    class PatientsApp(api_schema.as_state_machine()):
        def setup(self):
            """Every chain starts from the same records. What an earlier chain booked, moved,
            cancelled, read or sent is undone first: the server's answers (a slot free or
            taken, a booking allowed or over the portal's limit) decide which links a chain can
            follow, and Hypothesis stops with "inconsistent data generation" when a chain it
            replays can follow other links than the first time."""
            _rows_put_back(start)

        def before_call(self, case):
            case.headers = {**(case.headers or {}), **headers}

        def get_call_kwargs(self, case):
            return {"base_url": live_server.url}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            steps.append((case.operation.label, response.status_code))
            case.validate_response(
                response, checks=[schemathesis.checks.not_a_server_error], transport_kwargs=kwargs
            )

    PatientsApp.run(
        settings=settings(
            max_examples=80,
            stateful_step_count=8,
            derandomize=True,  # the same chains every run: a failure reproduces
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    # Links were followed: operations on an id answered as for a real record, not 404.
    reached = {label for label, status in steps if "{id}" in label and status != 404}
    assert len(reached) >= 3, reached
