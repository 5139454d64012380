"""hr's business actions, one function each: attendance (hr.services.attendance), shifts and the
roster (hr.services.roster), leave (hr.services.leave). Every public name is importable from
`hr.services`."""

from hr.services.attendance import *  # noqa: F403
from hr.services.leave import *  # noqa: F403
from hr.services.roster import *  # noqa: F403
