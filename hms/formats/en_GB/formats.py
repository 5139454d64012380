"""How the hospital writes dates and times (settings.FORMAT_MODULE_PATH; the locale is en-gb).

Day, month in words, year: "30 Nov 2026", never 11/30 or 30/11 on a screen, so no reader can take
one for the other; times on the 24-hour clock in the hospital's zone ("30 Nov 2026 14:05").
A typed date is day first ("04/12/1988" is 4 December 1988), with the year in full: the text
inputs (hms.params.DayField) say dd/mm/yyyy and never follow the browser's locale.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
# The first is the form a date input shows; the others are what a clerk may also type.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
