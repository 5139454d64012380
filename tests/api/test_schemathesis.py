"""schemathesis against the API's own OpenAPI schema: requests generated from every operation's
parameters and bodies (valid ones and edge cases), sent to a running server as the
administrator, who passes every permission check and so reaches every view's code. Any 5xx is a
failure: the API answers bad input with problem details, never with a crash.

Each operation runs as a Hypothesis test of its own here (schemathesis' pytest plugin reads a
node attribute pytest 9 no longer has)."""

import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from tests.api.conftest import tokens_for

EXAMPLES_PER_OPERATION = 25


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
