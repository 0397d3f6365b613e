"""Golden tests for the rules added for real reporting, on pages written here in the shape of real ones."""

from datetime import UTC, date, datetime

from bot.intel.casualties import casualty_mentions
from bot.intel.dates import imprecise, resolve_date
from bot.intel.extract import extract
from bot.intel.matching import Candidate, best_match, report_from
from bot.intel.merge import merge, us_totals
from bot.intel.trend import is_trend_piece

PUB = datetime(2024, 3, 6, 15, 40, tzinfo=UTC)  # a Wednesday afternoon
DATE_ONLY = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)  # a feed that gives only the day

ATTACK_PAGE = """Skip to main content
Security
By Sam Reporter
US soldiers stand at a base in Anbar on June 2, 2021. (Photo: Example Agency)

ERBIL, Kurdistan Region — Two drones struck the Harir air base on Tuesday night, wounding three US service \
members, a US defense official said. Kataib Hezbollah was blamed.

The wounded troops were treated on site, the official added.

In January 2020, Iran fired ballistic missiles at Ain al-Asad air base, and more than 100 US troops suffered \
brain injuries; Harakat al-Nujaba later claimed rocket fire on the US embassy in Baghdad.

Read more: Rockets hit Victory base near Baghdad airport
"""


def test_facts_come_from_the_lead_not_captions_history_or_links(gz):
    ex = extract("Drones hit Harir air base - Example News", ATTACK_PAGE, PUB, gz, "militia_attack")
    assert ex.incident.day == date(2024, 3, 5)  # Tuesday, not the caption's 2 June 2021
    assert ex.places[0] == "harir" and "ain-al-asad" not in ex.places and "victory-base" not in ex.places
    assert ex.group_keys() == ["kataib-hezbollah"]  # Nujaba is named only in a history paragraph
    assert us_totals("militia_attack", [ex]) == (None, 3)
    facts = merge("militia_attack", [ex], gz)
    assert facts.place_key == "harir" and facts.country == "Iraq"


def test_explicit_year_is_honoured_and_old_dates_further_down_are_history():
    new_year = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    assert resolve_date(["Rockets hit the base on December 30, 2023."], new_year).day == date(2023, 12, 30)
    # An old explicit year is old: it no longer becomes this year's 11 March, and it is not this incident.
    found = resolve_date(["Rockets hit the base on March 11, 2020, officials said."], datetime(2024, 3, 12, tzinfo=UTC))
    assert found.precision == "published" and found.day == date(2024, 3, 12)
    found = resolve_date(["US jets struck two depots in Syria.", "US forces responded with airstrikes on Feb 20."],
                         PUB, "us_strike", lead=1)
    assert found.precision == "published"  # two weeks old, further down the page: an earlier strike


def test_days_counted_from_a_date_only_time_are_soft():
    assert imprecise(DATE_ONLY) and not imprecise(PUB)
    assert resolve_date(["Rockets hit the base overnight."], PUB).precision == "day"
    soft = resolve_date(["Rockets hit the base overnight."], DATE_ONLY)
    assert soft.precision == "statement" and soft.day == date(2024, 3, 6)
    # A statement's day dates the news softly; "today" inside a quote is the statement's, not the report's.
    said = resolve_date(['CENTCOM said late Monday: "Rockets struck the base today."'], PUB)
    assert said.precision == "statement" and said.day == date(2024, 3, 4)


def test_a_date_only_published_time_never_blocks_a_join(gz):
    first = extract("US jets strike militia depots in Syria", "US jets struck militia depots in eastern Syria on "
                    "Sunday, the Pentagon said.", datetime(2024, 3, 3, 12, 0, tzinfo=UTC), gz, "us_strike")
    later = extract("US strikes hit militia sites near Abu Kamal", "The strikes hit militia sites near Abu Kamal "
                    "in eastern Syria early this morning, local sources said.", datetime(2024, 3, 4, 12, 0, tzinfo=UTC),
                    gz, "us_strike")
    a = report_from("us_strike", "US jets strike militia depots in Syria", "", first, gz,
                    datetime(2024, 3, 3, 12, 0, tzinfo=UTC))
    b = report_from("us_strike", "US strikes hit militia sites near Abu Kamal", "", later, gz,
                    datetime(2024, 3, 4, 12, 0, tzinfo=UTC))
    # Both stamps are noon, i.e. only a day: "this morning" on the 4th must not be "reported before it happened".
    assert best_match(b, [Candidate.start(0, a)], gz, 72, 0.0) is not None


def test_casualty_categories_on_real_wordings():
    def counts(sentence: str) -> list[tuple[str, str, int]]:
        return [(c.category, c.outcome, c.count) for c in casualty_mentions(sentence)]

    assert counts("Three US soldiers were killed and over 30 service members were wounded.") == [
        ("us_military", "killed", 3), ("us_military", "wounded", 30)]
    assert counts("Three US soldiers were killed and at least two dozen were injured.") == [
        ("us_military", "killed", 3), ("us_military", "wounded", 24)]
    assert counts("The rockets killed a foreign civilian contractor.") == [("contractors", "killed", 1)]
    assert counts("Five US troops, two contractors hurt.")[1][0] == "us_contractor"
    assert counts("Eight US personnel were assessed for traumatic brain injury after the attack.") == []
    assert counts("Two Americans and one British national were killed.") == [
        ("us_military", "killed", 2), ("coalition", "killed", 1)]


def test_no_casualty_wordings_and_strike_reports(gz):
    for text in ("The drone attack did not cause any casualties, officials said.",
                 "Two drones struck near the base without causing any casualties.",
                 '"No Coalition casualties or damage to facilities," the spokesman wrote.'):
        ex = extract("Drone attack on Harir base", text, PUB, gz, "militia_attack")
        assert us_totals("militia_attack", [ex]) == (0, 0), text
    strike = extract("US strikes Kataib Hezbollah after attack", "US jets struck Kataib Hezbollah depots near al-Qaim "
                     "on Tuesday. The attack they answered killed two US soldiers on Sunday.", PUB, gz, "us_strike")
    assert us_totals("us_strike", [strike]) == (None, None)
    assert "us_military" not in merge("us_strike", [strike], gz).casualties


def test_most_specific_place_and_country(gz):
    ex = extract("US jets strike IRGC depot in eastern Syria", "US F-16s struck a weapons depot in eastern Syria "
                 "near Abu Kamal on Tuesday.", PUB, gz, "us_strike")
    assert merge("us_strike", [ex], gz).place_key == "abu-kamal"
    both = extract("US strikes 85 targets", "US bombers hit 85 targets in Iraq and Syria on Friday night.", PUB, gz,
                   "us_strike")
    assert report_from("us_strike", "US strikes 85 targets", "", both, gz, PUB).country is None
    syria = extract("Drone targets US troops", "A drone targeted US troops in Syria on Tuesday.", PUB, gz,
                    "militia_attack")
    assert report_from("militia_attack", "Drone targets US troops", "", syria, gz, PUB).country == "Syria"


def test_gazetteer_variants_seen_in_real_text(gz):
    found = {m.key for m in gz.find("Teshkil al-Warithin and al-Thawriyoun claimed it; Hashd Shaabi and the "
                                    "Revolutionary Guard; Kait'ib Hezbollah; a convoy in Dhi Qar")}
    assert {"tashkil-al-waritheen", "al-thawriyoun", "pmf", "irgc-qf", "kataib-hezbollah", "dhi-qar"} <= found


def test_an_umbrella_describing_a_group_is_not_a_second_actor(gz):
    ex = extract("US strikes Kataib Hezbollah", "US jets struck Kataib Hezbollah, one of the militias known "
                 "collectively as the Popular Mobilization Forces, near al-Qaim on Tuesday.", PUB, gz, "us_strike")
    assert ex.group_keys() == ["kataib-hezbollah"]


def test_trend_and_explainer_pieces_open_no_event(gz):
    trend = extract("Iran-backed militias step up attacks on US forces", "Militias have launched dozens of rocket "
                    "and drone attacks on bases in Iraq and Syria in recent weeks, officials say.", PUB, gz,
                    "militia_attack")
    assert is_trend_piece("Iran-backed militias step up attacks on US forces", "militia_attack", trend, gz)
    explainer = extract("What to know about the drone attacks on US troops", "The drones are cheap and hard to "
                        "stop.", PUB, gz, "militia_attack")
    assert is_trend_piece("What to know about the drone attacks on US troops", "militia_attack", explainer, gz)
    incident = extract("Rockets hit Ain al-Asad air base", "Three rockets hit Ain al-Asad air base on Tuesday.", PUB,
                       gz, "militia_attack")
    assert not is_trend_piece("Rockets hit Ain al-Asad air base", "militia_attack", incident, gz)
    # Campaign wording, but this report names its own incident: an incident report.
    latest = extract("Attacks on US forces rise: drones hit Harir", "Two drones hit Harir air base on Tuesday.", PUB,
                     gz, "militia_attack")
    assert not is_trend_piece("Attacks on US forces rise: drones hit Harir", "militia_attack", latest, gz)
