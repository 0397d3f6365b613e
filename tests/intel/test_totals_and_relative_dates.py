"""Golden tests: running totals stated with "in all", and "N days ago" resolved against publication."""

from datetime import UTC, date, datetime

from bot.intel.dates import resolve_date
from bot.intel.extract import extract

PUB = datetime(2020, 2, 10, 15, 0, tzinfo=UTC)  # a Monday


def test_in_all_diagnosed_is_a_running_total(gz):
    ex = extract("Pentagon updates brain injury count from Iran's missile attack",
                 "In all, 110 US troops were diagnosed with brain injuries after the missiles hit Ain al-Asad.",
                 PUB, gz)
    assert ex.casualties == {} and len(ex.aggregates) == 1
    assert ex.us_wounded == 0


def test_in_all_about_one_salvo_is_still_the_incident(gz):
    ex = extract("Rockets hit Ain al-Asad",
                 "In all, 14 rockets were fired at Ain al-Asad on Sunday and two US soldiers were wounded.", PUB, gz)
    assert ex.aggregates == () and ex.us_wounded == 2 and ex.incident.day == date(2020, 2, 9)


def test_days_ago():
    found = resolve_date(["Militants fired rockets at the base two days ago, officials said."], PUB)
    assert found.day == date(2020, 2, 8) and found.precision == "day" and found.phrase == "two days ago"
    found = resolve_date(["The drone struck the day before yesterday."], PUB)
    assert found.day == date(2020, 2, 8) and found.precision == "day"
    found = resolve_date(["A rocket hit the base 3 days ago."], PUB)
    assert found.day == date(2020, 2, 7)


def test_vague_spans_fall_back_to_publication():
    # "last week" names no day: guessing one would pull the report away from its event.
    found = resolve_date(["Rockets hit the base last week."], PUB)
    assert found.precision == "published" and found.day == PUB.date()
    assert resolve_date(["It was hit 40 days ago."], PUB).precision == "published"


def test_weekday_before_a_speech_verb_dates_the_statement_not_the_incident():
    found = resolve_date(["The Pentagon on Monday named the three soldiers killed in the attack."], PUB)
    assert found.precision == "published"


def test_the_start_of_a_run_is_not_the_incident_day():
    assert resolve_date(["The group has claimed several attacks since Tuesday."], PUB).precision == "published"
    assert resolve_date(["The attacks began on Oct. 17 and continue."], PUB).precision == "published"


def test_before_dawn_is_the_small_hours():
    found = resolve_date(["US strikes hit sites around Hilla before dawn on Tuesday."], PUB)
    assert found.precision == "day" and found.part == "early" and found.occurred_at.hour == 4
