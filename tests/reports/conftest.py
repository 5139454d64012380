import pytest

from reports.metrics import METRICS
from tests.reports.analytics_fakes import TAKINGS
from tests.reports.summarized import WAYS


@pytest.fixture
def takings_metric():
    """The dashboard with a finance metric registered besides the real ones, for this test."""
    METRICS.append(TAKINGS)
    yield TAKINGS
    METRICS.remove(TAKINGS)


@pytest.fixture(params=WAYS)
def way(request) -> str:
    """How the period stands against the daily summary (tests.reports.summarized.WAYS)."""
    return request.param
