import pytest

from reports.metrics import METRICS
from tests.reports.analytics_fakes import TAKINGS


@pytest.fixture
def takings_metric():
    """The dashboard with a finance metric registered besides the real ones, for this test."""
    METRICS.append(TAKINGS)
    yield TAKINGS
    METRICS.remove(TAKINGS)
