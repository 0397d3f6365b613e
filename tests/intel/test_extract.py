"""Golden extraction tests on project-written articles."""

from datetime import UTC, date, datetime

from bot.intel.extract import Counts, extract

TUE = datetime(2024, 1, 30, 14, 0, tzinfo=UTC)  # a Tuesday


def test_tower22_style_report(gz):
    ex = extract(
        "Drone attack kills three US soldiers in Jordan",
        "A one-way attack drone struck Tower 22 late Sunday, killing three U.S. Army soldiers and wounding more "
        "than 30. US officials blamed Kata'ib Hizballah. The Islamic Resistance in Iraq claimed the attack on "
        "Telegram. US forces have been attacked more than 160 times since October 17, and about 70 troops were "
        "injured so far.", datetime(2024, 1, 29, 14, 0, tzinfo=UTC), gz)
    assert ex.places == ("tower-22",)
    assert ex.weapons == ("one-way-drone",)
    roles = {g.key: g.role for g in ex.groups}
    assert roles == {"kataib-hezbollah": "attributed", "islamic-resistance-in-iraq": "claimed"}
    assert ex.casualties == {"us_military": Counts(killed=3, wounded=30)}
    assert ex.incident.day == date(2024, 1, 28) and ex.incident.phrase == "late Sunday"
    # The running total is an aggregate, not this incident's toll.
    assert len(ex.aggregates) == 1 and ex.aggregates[0].count == 160
    assert ex.us_killed == 3 and ex.us_wounded == 30 and not ex.roundup


def test_casualty_categories(gz):
    ex = extract("Rockets hit Camp Taji",
                 "Some 18 rockets hit Camp Taji on Wednesday night, killing two Americans and a British soldier and "
                 "wounding 14. In a separate incident an Iraqi soldier was wounded.", TUE, gz)
    assert ex.casualties["us_military"].killed == 2
    assert ex.casualties["coalition"].killed == 1
    assert ex.casualties["partner_forces"].wounded == 1
    ex = extract("Drone hits Hasakah base",
                 "The attack killed a US contractor and wounded five US troops and another contractor.", TUE, gz)
    assert ex.casualties["us_contractor"] == Counts(killed=1, wounded=1)
    assert ex.casualties["us_military"] == Counts(killed=None, wounded=5)
    ex = extract("Drone kills SDF fighters", "Six SDF fighters were killed at al-Omar. The strike on the launch site "
                 "killed four militants, including a commander.", TUE, gz)
    assert ex.casualties["partner_forces"].killed == 6 and ex.casualties["militants"].killed == 4
    ex = extract("Drone attack kills three US soldiers at base in Jordan",
                 "Three US Army soldiers were killed and more than 30 were wounded, officials said.", TUE, gz)
    assert ex.casualties == {"us_military": Counts(killed=3, wounded=30)}  # the passive bare number inherits


def test_no_injuries_is_a_fact(gz):
    ex = extract("Rockets target Rumalyn", "Five rockets were fired at Rmeilan base. There were no injuries or damage, "
                 "an official said.", TUE, gz)
    assert ex.no_injuries and ex.casualties == {} and ex.places == ("rumalyn",)


def test_relative_dates(gz):
    cases = {
        "Drones targeted Ain al-Asad on Monday.": date(2024, 1, 29),
        "Drones targeted Ain al-Asad yesterday.": date(2024, 1, 29),
        "Drones targeted Ain al-Asad late Saturday.": date(2024, 1, 27),
        "Drones targeted Ain al-Asad on Tuesday.": date(2024, 1, 30),
        "Drones targeted Ain al-Asad on Jan. 25.": date(2024, 1, 25),
        "Drones targeted Ain al-Asad, the Pentagon said.": date(2024, 1, 30),
    }
    for text, expected in cases.items():
        assert extract("Attack", text, TUE, gz).incident.day == expected, text
    # "said Monday" is when it was said: the incident day comes from the attack clause.
    ex = extract("Attack", "Officials said Monday that drones targeted Ain al-Asad on Sunday.", TUE, gz)
    assert ex.incident.day == date(2024, 1, 28)
    # A December day named in a January story belongs to the previous year.
    ex = extract("Attack", "The base was hit on Dec. 30.", datetime(2024, 1, 2, tzinfo=UTC), gz)
    assert ex.incident.day == date(2023, 12, 30)


def test_roundup_headline_is_an_aggregate(gz):
    ex = extract("US forces attacked 55 times since October 17, Pentagon says",
                 "The tally includes 27 attacks in Iraq and 28 in Syria; 59 personnel were injured.", TUE, gz)
    assert ex.roundup


def test_response_clause_does_not_move_place_or_date(gz):
    ex = extract("US strikes Kataib Hezbollah after Erbil attack",
                 "US jets hit sites near al-Qaim early Wednesday in response to the drone attack on Erbil on Monday "
                 "that wounded three Americans.", datetime(2024, 1, 31, 9, tzinfo=UTC), gz)
    assert ex.places == ("al-qaim",)
    assert ex.incident.day == date(2024, 1, 31)
    assert "us_military" not in ex.casualties
