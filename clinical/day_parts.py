"""The parts of a day that leave can close: the whole day, or half of it split at HALF_DAY_SPLIT
(hospital time). Shared by the schedule services and the selectors that count what they close."""

import datetime

# A half day closes the morning (until this time) or the afternoon (from it).
HALF_DAY_SPLIT = datetime.time(13, 0)
DAY_PARTS = ("day", "morning", "afternoon")
