"""hr's models: attendance (hr.models.attendance), shifts and the roster (hr.models.roster),
leave (hr.models.leave). Every model is importable from `hr.models`."""

from hr.models.attendance import Attendance, Ended, Started
from hr.models.leave import *  # noqa: F403
from hr.models.roster import *  # noqa: F403

__all__ = ["Attendance", "Ended", "Started"]
