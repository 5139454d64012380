"""How money, phone numbers and dates read on every screen, and how a typed date is understood:
"KES 40,250.00", "0712 100 003", "30 Nov 2026", and "04/12/1988" is 4 December."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from hms import params
from hms.money import money_text
from hms.phones import PhoneRefused, phone_e164, phone_key, phone_local


def rendered(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_money_reads_with_the_currency_and_thousands_separated():
    assert rendered("{{ amount|money }}", amount=Decimal("40250")) == "KES 40,250.00"
    assert rendered("{{ amount|money }}", amount="1234567.5") == "KES 1,234,567.50"
    assert rendered('{{ amount|money:"plain" }}', amount=Decimal("-1000")) == "-1,000.00"
    assert rendered("{{ amount|money }}", amount=None) == ""
    with pytest.raises(TypeError):
        money_text(1.5)


@pytest.mark.parametrize(
    "typed", ["0712100003", "0712 100 003", "+254 712 100 003", "254712100003", "712100003"]
)
def test_a_kenyan_mobile_is_stored_in_e164_and_shown_the_local_way(typed):
    stored = phone_e164(typed)

    assert stored == "+254712100003"
    assert phone_local(stored) == "0712 100 003"
    assert rendered("{{ p|phone }}", p=stored) == "0712 100 003"
    assert phone_key(stored) == "254712100003"


def test_other_numbers_keep_their_own_form_and_nonsense_is_refused():
    assert phone_local(phone_e164("020 2345678")) == "020 2345678"  # a Nairobi landline
    assert phone_local(phone_e164("+44 20 7946 0958")) == "+44 20 7946 0958"
    assert phone_local("12ab") == "12ab"  # stored before E.164, unreadable: shown as typed
    for typed in ["12ab", "0712", "07121000031234", ""]:
        with pytest.raises(PhoneRefused):
            phone_e164(typed)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("31/12/1988", date(1988, 12, 31)),
        ("04/12/1988", date(1988, 12, 4)),  # 4 December, never 12 April
        ("4/12/1988", date(1988, 12, 4)),
        ("04-12-1988", date(1988, 12, 4)),
        ("4 Dec 1988", date(1988, 12, 4)),
        ("1988-12-04", date(1988, 12, 4)),  # the ISO form older links carry
    ],
)
def test_a_typed_date_is_read_day_first(typed, day):
    assert params.day_typed(typed) == day
    assert params.date_param(typed) == day


@pytest.mark.parametrize("typed", ["12/31/1988", "31/02/2026", "04/12/88", "tomorrow", ""])
def test_a_date_that_is_not_day_month_year_is_refused(typed):
    assert params.day_typed(typed) is None


def test_a_date_field_shows_day_first_and_explains_a_mistake():
    class Form(params.forms.Form):
        born = params.DayField()

    shown = str(Form(initial={"born": date(1988, 12, 4)})["born"])
    refused = Form({"born": "12/31/1988"})

    assert 'value="04/12/1988"' in shown and 'type="text"' in shown
    assert 'placeholder="dd/mm/yyyy"' in shown
    assert not refused.is_valid()
    assert "day/month/year" in refused.errors["born"][0]
    assert 'value="12/31/1988"' in str(refused["born"])  # what was typed is kept


def test_dates_and_times_read_day_month_in_words_year_in_the_hospitals_zone(settings):
    moment = datetime(2026, 11, 30, 11, 5, tzinfo=ZoneInfo("UTC"))  # 14:05 in Nairobi

    assert rendered("{{ day }}", day=date(2026, 11, 30)) == "30 Nov 2026"
    assert rendered("{{ at }}", at=moment) == "30 Nov 2026 14:05"
    assert rendered("{{ at|time }}", at=moment) == "14:05"


def test_a_moment_under_a_minute_ago_never_reads_0_minutes():
    """A fault raised seconds ago, a machine down this instant, a notification just sent: "under a
    minute", never "0 minutes" (Django's timesince said "since 0 minutes")."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    shown = Template(
        "{{ a|elapsed:now }} · since {{ b|elapsed:now }} · {{ c|ago }} · {{ d|ago }}"
    ).render(
        Context(
            {
                "now": now,
                "a": now - timedelta(seconds=20),
                "b": now - timedelta(minutes=61),
                "c": timezone.now() - timedelta(seconds=5),
                "d": timezone.now() - timedelta(minutes=3, seconds=10),
            }
        )
    )
    assert shown == "under a minute · since 1 hour, 1 minute · under a minute ago · 3 minutes ago"
