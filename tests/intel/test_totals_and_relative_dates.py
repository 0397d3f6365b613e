"""Golden tests: running totals stated with "in all", and "N days ago" resolved against publication."""

from datetime import UTC, date, datetime, timedelta

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


def test_vague_spans_are_soft_evidence_only():
    # "last week" names no day: it is resolved against the report's time (about seven days back) but only as
    # soft evidence, so matching still anchors the report on its publication time. (Before the real-text work
    # it fell back to publication.)
    found = resolve_date(["Rockets hit the base last week."], PUB)
    assert found.precision == "approx" and found.day == PUB.date() - timedelta(days=7)
    assert resolve_date(["It was hit 40 days ago."], PUB).precision == "published"


def test_weekday_before_a_speech_verb_dates_the_statement_not_the_incident():
    # The day is kept as the best reading of when the news came, but only as soft evidence: a statement can
    # come days after the incident. (Before the real-text work this fell back to publication time.)
    found = resolve_date(["The Pentagon on Monday named the three soldiers killed in the attack."], PUB)
    assert found.precision == "statement" and found.day.weekday() == 0


def test_the_start_of_a_run_is_not_the_incident_day():
    assert resolve_date(["The group has claimed several attacks since Tuesday."], PUB).precision == "published"
    assert resolve_date(["The attacks began on Oct. 17 and continue."], PUB).precision == "published"


def test_before_dawn_is_the_small_hours():
    found = resolve_date(["US strikes hit sites around Hilla before dawn on Tuesday."], PUB)
    assert found.precision == "day" and found.part == "early" and found.occurred_at.hour == 4


def test_a_day_tied_to_the_attack_a_strike_answers_is_not_the_strike_day():
    sentence = ("US jets hit five depots used for attacks on coalition troops, including Wednesday's deadly "
                "barrage on Taji.")
    assert resolve_date([sentence], PUB).day == date(2020, 2, 5)  # kind unknown: the first day named
    assert resolve_date([sentence], PUB, "us_strike").precision == "published"
    dated = "The strikes hit three sites early on Sunday, after the Feb. 5 rocket attack on Erbil."
    assert resolve_date([dated], PUB, "us_strike").day == date(2020, 2, 9)


def test_a_day_tied_to_the_strike_an_attack_avenges_is_not_the_attack_day():
    sentence = "Rockets hit the base hours after Friday's US airstrikes on militia depots."
    assert resolve_date([sentence], PUB, "militia_attack").precision == "published"
    own = resolve_date(["Friday's rocket attack wounded two contractors."], PUB, "militia_attack")
    assert own.day == date(2020, 2, 7)


def test_the_incident_a_run_is_counted_from_is_not_this_incident():
    sentence = "It was the first deadly attack on the base since the US strikes across Syria and Iraq on Friday night."
    assert resolve_date([sentence], PUB).precision == "published"


def test_a_month_day_after_a_speech_verb_dates_the_statement():
    # Soft evidence only (was 'published' before statement days were kept as a fallback).
    found = resolve_date(["Kataib Hezbollah announced on 8 February that it would pause."], PUB)
    assert found.precision == "statement" and found.day == date(2020, 2, 8)


def test_the_day_named_before_a_running_total_is_the_incident_day(gz):
    ex = extract("Christmas drone marks escalation",
                 "The drone that hit Erbil Air Base on 8 February was the 103rd attack on US forces since 17 October.",
                 PUB, gz, "militia_attack")
    assert ex.incident.day == date(2020, 2, 8) and len(ex.aggregates) == 1


def test_answered_introduces_the_other_incident(gz):
    ex = extract("US forces hit launch sites",
                 "US forces answered Sunday's rocket fire on Conoco with Apache helicopters.", PUB, gz, "us_strike")
    assert ex.incident.precision == "published" and "conoco" not in ex.places


def test_a_rocket_strike_or_a_barrage_named_in_a_strike_report_is_the_attack_it_answers():
    cited = "The sites held arms used in attacks, including the Feb. 5 rocket strike on Camp Taji."
    assert resolve_date([cited], PUB, "us_strike").precision == "published"
    followed = "The strikes followed Saturday's missile and rocket barrage on Al-Asad Air Base."
    assert resolve_date([followed], PUB, "us_strike").precision == "published"
