import pytest

from hr.leave_defaults import ensure_leave_types


@pytest.fixture
def leave_types(db):
    """The default leave types, there again after a transactional test emptied the tables
    (migration hr/0004 put them there at the start)."""
    ensure_leave_types()
