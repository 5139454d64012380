"""hms.dates writes every date and time exactly as Django's `date` filter does, in every format
the hospital names, for every letter it handles, in other languages too; and the templates'
`date` filter is it."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.utils import timezone, translation

from hms.dates import date_text, date_writer

NAMED = [
    None,
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
]
LITERAL = [
    "j M Y",
    "j M Y H:i",
    "d M Y H:i",
    "D d M",
    "l j F Y",
    "l j F Y, H:i",
    "H:i",
    "G:i:s",
    "Y-m-d",
    "d/m/y",
    "N n b",
    r"jS \o\f F",  # "S" is Django's alone: handed to it
    r"\Y\e\a\r Y",
    "c",  # ISO, Django's alone
    "",
]


def _instants(count: int) -> list[datetime]:
    rng = random.Random(14)
    start = datetime(1990, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(60 * 365 * 24 * 3600)) for _ in range(count)]
    moments += [datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2000, 2, 29, tzinfo=UTC)]
    return [timezone.localtime(moment) for moment in moments]


@pytest.mark.parametrize("arg", NAMED + LITERAL)
def test_each_format_writes_a_moment_as_django_does(arg):
    for moment in _instants(300):
        assert date_text(moment, arg) == django_date(moment, arg), (moment, arg)


DATE_ONLY = [f for f in NAMED if not f or "TIME" not in f] + [
    f for f in LITERAL if "H" not in f and "G" not in f and f != "c"
]


@pytest.mark.parametrize("arg", DATE_ONLY)
def test_each_format_writes_a_plain_date_as_django_does(arg):
    for moment in _instants(100):
        day = moment.date()
        assert date_text(day, arg) == django_date(day, arg), (day, arg)


def test_a_naive_datetime_and_odd_values_are_written_as_django_writes_them():
    naive = datetime(2026, 3, 7, 8, 5, 9)
    assert date_text(naive, "j M Y H:i") == django_date(naive, "j M Y H:i") == "7 Mar 2026 08:05"
    for value in (None, "", "not a date", 0):
        assert date_text(value, "j M Y") == django_date(value, "j M Y")
    assert date_text(time(9, 30), "H:i") == django_date(time(9, 30), "H:i") == "09:30"


def test_a_time_letter_on_a_plain_date_is_refused_as_django_refuses_it():
    with pytest.raises(TypeError):
        django_date(date(2026, 1, 2), "H:i")
    with pytest.raises(TypeError):
        date_text(date(2026, 1, 2), "H:i")
    with pytest.raises(TypeError):
        date_text(date(2026, 1, 2), "SHORT_DATETIME_FORMAT")


@pytest.mark.parametrize("language", ["sw", "de", "fr", "en-gb"])
def test_names_follow_the_active_language_as_djangos_do(language):
    with translation.override(language):
        for moment in _instants(40):
            for arg in NAMED + LITERAL:
                assert date_text(moment, arg) == django_date(moment, arg), (language, arg)


def test_a_format_overridden_in_settings_is_followed():
    moment = timezone.localtime(datetime(2026, 5, 6, 7, 8, tzinfo=UTC))
    with (
        override_settings(FORMAT_MODULE_PATH=None, LANGUAGE_CODE="en-us"),
        translation.override("en-us"),
    ):
        assert date_text(moment) == django_date(moment) == "May 6, 2026"
    assert date_text(moment) == django_date(moment) == "6 May 2026"


def test_the_templates_date_filter_is_hms_dates_and_writes_the_same_text():
    from hms.templatetags.display import date_filter

    moment = datetime(2026, 11, 30, 11, 5, tzinfo=UTC)  # 14:05 in Nairobi
    template = Template(
        '{{ at|date:"j M Y H:i" }}|{{ at|date }}|{{ day|date:"D d M" }}|{{ none|date }}'
    )
    context = Context({"at": moment, "day": date(2026, 12, 4), "none": None})

    assert template.render(context) == "30 Nov 2026 14:05|30 Nov 2026|Fri 04 Dec|"
    filters = {}
    for library in template.engine.template_builtins:
        filters.update(library.filters)
    assert filters["date"] is date_filter


@pytest.mark.parametrize("arg", NAMED + LITERAL)
def test_a_writer_writes_each_value_as_date_text_does(arg):
    write = date_writer(arg)
    days = [moment.date() for moment in _instants(20)] if arg in DATE_ONLY else []
    for value in [*_instants(100), *days, None, "", "not a date"]:
        assert write(value) == date_text(value, arg), (value, arg)
    with translation.override("fr"):
        french = date_writer(arg)
        assert [french(m) for m in _instants(20)] == [date_text(m, arg) for m in _instants(20)]
