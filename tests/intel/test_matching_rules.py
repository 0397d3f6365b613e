"""Golden tests for the clustering rules (bot/intel/matching.py), one group per rule.

Every sentence here is written for the test (not taken from the labelled sets). Items are clustered with the
same online rule `build_events` uses (`clustering_eval.cluster_items`).
"""

from datetime import UTC, datetime

from bot.intel import matching
from bot.intel.clustering_eval import cluster_items
from bot.intel.extract import extract
from bot.intel.matching import Candidate, report_from
from bot.settings import EventSettings


def item(id_, kind, title, text, published):
    return {"id": id_, "cluster": id_, "kind": kind, "title": title, "text": text,
            "published": datetime.fromisoformat(published).replace(tzinfo=UTC)}


def clusters(items, gz):
    assigned = cluster_items(items, gz, EventSettings())
    return lambda a, b: assigned[a] == assigned[b]


# Rule 1: an event's place is its reports' main place, not every place any report names.

def test_report_naming_two_bases_joins_its_main_base_and_does_not_chain(gz):
    items = [
        item("c1", "militia_attack", "Rockets strike Conoco base in Syria",
             "A salvo of rockets hit the Conoco gas field base on Thursday evening, a US official said.",
             "2025-03-06T18:00:00"),
        item("g1", "militia_attack", "Green Village hit as well",
             "Militants also fired rockets at the Green Village base on Thursday, an hour after the Conoco attack.",
             "2025-03-06T19:00:00"),
        item("g2", "militia_attack", "Rockets land near Green Village",
             "Two rockets landed inside the Green Village perimeter late Thursday, local sources said.",
             "2025-03-07T06:00:00"),
        item("c2", "militia_attack", "Both Syria bases came under fire",
             "Rockets were fired at the Conoco base and then at Green Village on Thursday night; damage was "
             "limited to Conoco.", "2025-03-07T08:00:00"),
    ]
    same = clusters(items, gz)
    assert same("g1", "g2") and same("c1", "c2")
    assert not same("c1", "g1")


def test_candidate_place_identity_is_its_main_places(gz):
    ex = extract("Drone strike hits Musayyib", "The strike in Musayyib, south of Baghdad, hit a truck on Sunday.",
                 datetime(2025, 4, 6, 20, tzinfo=UTC), gz)
    report = report_from("us_strike", "Drone strike hits Musayyib", "", ex, gz)
    assert "baghdad" in report.places  # named, but only as a reference point
    cand = Candidate.start(0, report)
    assert cand.places == {"musayyib"} and cand.main_place == "musayyib"


# Rule 2: without a named day, publication time is the anchor.

def test_undated_report_two_days_after_a_dated_strike_stays_apart(gz):
    items = [
        item("s1", "us_strike", "US aircraft hit Kataib Hezbollah fighters in Anbar",
             "A US drone struck a Kataib Hezbollah vehicle in Anbar on Saturday night, killing two, officials said.",
             "2025-05-10T23:00:00"),
        item("s2", "us_strike", "US strikes Kataib Hezbollah facilities in Iraq",
             "US forces struck two Kataib Hezbollah facilities in Iraq, the Pentagon said.",
             "2025-05-12T04:00:00"),
    ]
    assert not clusters(items, gz)("s1", "s2")


def test_undated_follow_up_within_a_day_joins(gz):
    items = [
        item("s1", "us_strike", "US strikes Kataib Hezbollah weapons depot in Anbar",
             "US jets bombed a Kataib Hezbollah weapons depot in Anbar on Saturday night, officials said.",
             "2025-05-10T23:00:00"),
        item("s2", "us_strike", "US strike on Kataib Hezbollah depot in Anbar killed three",
             "Three Kataib Hezbollah members were killed in the US strike on a weapons depot in Anbar, the group said.",
             "2025-05-11T15:00:00"),
    ]
    assert clusters(items, gz)("s1", "s2")


# Rule 2b: a multi-site strike is reported from places far apart.

MULTI = [
    item("m1", "us_strike", "Pentagon: US hit more than 40 targets in Iraq and Syria",
         "US bombers and fighters struck more than 40 targets used by Iran-backed militias on Tuesday night, the "
         "Pentagon said.", "2025-06-03T21:00:00"),
    item("m2", "us_strike", "Monitor says 12 militiamen killed in US raids near Mayadin",
         "Twelve pro-Iran militiamen died overnight when American jets bombed positions around Mayadin and "
         "Albu Kamal, a Syrian monitor said.", "2025-06-04T06:00:00"),
    item("m3", "us_strike", "Iraq protests US bombing of al-Qaim",
         "An Iraqi government spokesman said five people were killed when US planes bombed a site at al-Qaim, and "
         "called it an attack on Iraqi sovereignty.", "2025-06-04T09:00:00"),
]


def test_multi_site_strike_reports_from_far_apart_places_join(gz):
    same = clusters(MULTI, gz)
    assert same("m1", "m2") and same("m2", "m3")


def test_far_apart_places_without_a_multi_site_report_stay_apart(gz):
    items = [
        item("a1", "us_strike", "US jets strike militia depot near Mayadin",
             "A US airstrike hit a militia weapons depot near Mayadin on Tuesday night, a Syrian monitor said.",
             "2025-06-04T06:00:00"),
        item("a2", "us_strike", "US drone hits vehicle at al-Qaim",
             "A US drone struck a vehicle at al-Qaim on Tuesday night, Iraqi security sources said.",
             "2025-06-04T08:00:00"),
    ]
    assert not clusters(items, gz)("a1", "a2")


# Rule 3: the same night and fitting places are strong evidence, whatever the wording.

CONVOY = [
    item("f1", "militia_attack", "Usbat al-Thaireen says it bombed coalition trucks",
         "Usbat al-Thaireen said on Telegram it set off a roadside bomb against a coalition logistics convoy of the "
         "occupation on Sunday.", "2025-07-13T10:00:00"),
    item("f2", "militia_attack", "Officials: Kataib Hezbollah behind Sunday IED",
         "An IED damaged a truck in a coalition supply convoy in a southern province on Sunday, and "
         "Iraqi officials blamed Kataib Hezbollah.", "2025-07-13T16:00:00"),
]


def test_front_claim_and_kataib_hezbollah_attribution_same_day_join(gz, monkeypatch):
    assert clusters(CONVOY, gz)("f1", "f2")
    monkeypatch.setattr(matching, "SAME_NIGHT_BONUS", 0.0)
    assert not clusters(CONVOY, gz)("f1", "f2")  # the wording alone does not decide


def test_same_wording_pair_days_apart_does_not_get_the_same_night_bonus(gz):
    items = [
        item("f1", "militia_attack", "Usbat al-Thaireen says it bombed coalition trucks",
             "Usbat al-Thaireen said on Telegram it set off an explosive device against a logistics convoy of the "
             "occupation on Sunday.", "2025-07-13T10:00:00"),
        item("f2", "militia_attack", "Officials: Kataib Hezbollah behind Wednesday IED on supply column",
             "A roadside IED damaged a truck moving equipment for the US-led coalition on Wednesday, and Iraqi "
             "officials blamed Kataib Hezbollah.", "2025-07-16T16:00:00"),
    ]
    assert not clusters(items, gz)("f1", "f2")


def test_province_named_by_officials_joins_the_strike_at_a_town_in_it(gz):
    items = [
        item("b1", "us_strike", "US drone strike hits militia launch team at Jurf al-Sakhar",
             "A US drone struck fighters preparing rockets at Jurf al-Sakhar on Friday night, a US official said.",
             "2025-08-08T22:00:00"),
        item("b2", "us_strike", "Baghdad condemns US attack in Babil",
             "The Iraqi government condemned Friday night's American strike in Babil province as a breach of "
             "sovereignty.", "2025-08-09T12:00:00"),
    ]
    assert clusters(items, gz)("b1", "b2")


def test_capital_standing_for_its_government_is_not_a_place(gz):
    at = datetime(2025, 8, 9, 12, tzinfo=UTC)
    assert "baghdad" not in extract("Baghdad condemns US strike", "Baghdad said the raid was illegal.", at,
                                     gz).places
    assert "baghdad" in extract("US strike in Baghdad kills commander", "A drone hit a car in Baghdad.", at,
                                gz).places


# Rule 2c: nothing is reported about a day before that day began (UTC+3 in the region).

SAME_BASE_TWO_DAYS = [
    item("r1", "militia_attack", "Rockets fired at US base at Tal Baydar",
         "Several rockets were fired at the coalition base at Tal Baydar, a Syrian monitor reported.",
         "2025-09-03T17:30:00"),
    item("r2", "militia_attack", "Resistance claims drone attack on Tal Baydar",
         "The Islamic Resistance in Iraq said its drone struck the American base at Tal Baydar on Thursday "
         "morning, a day after its rocket attack there.", "2025-09-04T07:00:00"),
    item("r3", "militia_attack", "No injuries in Wednesday rocket attack at Tal Baydar, official says",
         "Rockets fired at Tal Baydar on Wednesday evening caused no injuries, a US defense official said.",
         "2025-09-04T12:00:00"),
]


def test_report_of_a_day_that_began_after_the_event_was_in_the_news_starts_a_new_event(gz):
    same = clusters(SAME_BASE_TWO_DAYS, gz)
    assert not same("r1", "r2")
    assert same("r1", "r3")  # Wednesday's attack keeps its own late follow-up


def test_local_next_day_begins_at_21_utc(gz):
    # Published at 22:00 UTC, 01:00 local: a local report naming the next day may be about the same night.
    items = [
        item("n1", "militia_attack", "Drone attack on base at Tal Baydar",
             "A drone targeted the coalition base at Tal Baydar, a monitor said.", "2025-09-03T22:00:00"),
        item("n2", "militia_attack", "Drone hits Tal Baydar in the early hours of Thursday",
             "A one-way drone hit the base at Tal Baydar early Thursday, local sources said.",
             "2025-09-04T05:00:00"),
    ]
    assert clusters(items, gz)("n1", "n2")


# Rule 1b: "the area known as Green Village" names the place meant.

def test_place_named_with_known_as_is_the_main_place(gz):
    ex = extract("Shells hit US base in eastern Syria",
                 "Shells struck the American base at the al-Omar field's housing area known as Green Village.",
                 datetime(2025, 9, 5, 12, tzinfo=UTC), gz)
    assert ex.places == ("eastern-syria", "green-village", "al-omar")  # the headline's region, then the named base
    assert report_from("militia_attack", "", "", ex, gz).main_place == "green-village"


# Rule 1c: where a report names no place, the country it names still sets it apart.

def test_placeless_report_from_another_country_stays_apart(gz):
    items = [
        item("s1", "militia_attack", "Resistance claims dawn drone attack on al-Shaddadi base",
             "The Islamic Resistance in Iraq said its drones struck the occupation base at al-Shaddadi at dawn.",
             "2025-10-05T07:00:00"),
        item("j1", "militia_attack", "Drone hits small US outpost in Jordan",
             "A one-way drone struck a base in Jordan near the Syrian border, wounding several US troops.",
             "2025-10-05T12:00:00"),
        item("j2", "militia_attack", "Drone attack in northeast Jordan wounds US troops, officials say",
             "Officials said a drone attack on a US position in northeast Jordan wounded several soldiers.",
             "2025-10-05T14:00:00"),
    ]
    same = clusters(items, gz)
    assert same("j1", "j2")
    assert not same("s1", "j1")


def test_region_first_reports_join_the_base_named_later(gz):
    items = [
        item("w1", "militia_attack", "Missile hits base in western Iraq hosting US troops",
             "A missile struck an air base in western Iraq late on Sunday, causing minor injuries, an official said.",
             "2025-10-12T22:30:00"),
        item("w2", "militia_attack", "Sirens at Ain al-Asad after late-night strike",
             "Residents heard a loud blast at Ain al-Asad air base late on Sunday; a resistance group claimed it.",
             "2025-10-13T06:00:00"),
    ]
    assert clusters(items, gz)("w1", "w2")


# Rule 1d: a strike's place is a militia-side place; a US base it names is the attack it answers.

def test_us_base_named_in_a_strike_report_is_not_the_strike_place(gz):
    ex = extract("US strikes Kataib Hezbollah depots",
                 "The depots held rockets used in last week's attack on Camp Taji, officials said.",
                 datetime(2025, 10, 20, 23, tzinfo=UTC), gz)
    report = report_from("us_strike", "US strikes Kataib Hezbollah depots", "", ex, gz)
    assert "camp-taji" in report.places and report.main_place is None
    headline = "Drone strike on convoy at Baghdad airport kills commander"
    ex = extract(headline, "", datetime(2025, 10, 20, 23, tzinfo=UTC), gz)
    assert report_from("us_strike", headline, "", ex, gz).main_place == "victory-base"


def test_city_named_as_a_reference_point_is_not_the_place(gz):
    at = datetime(2025, 10, 21, 2, tzinfo=UTC)
    ex = extract("US strike kills four militiamen", "The strike hit a truck south of Baghdad.", at, gz)
    assert ex.landmarks == {"baghdad"}
    assert report_from("us_strike", "US strike kills four militiamen", "", ex, gz).main_place is None
    ex = extract("US drone strike in Baghdad", "A drone hit a car in Baghdad, 20 km south of Taji.", at, gz)
    assert ex.landmarks == {"camp-taji"} and "baghdad" not in ex.landmarks


# Rule 3b: strikes dated "Thursday night" (US time) and "Friday" (local) are one night.

def test_strike_night_named_in_us_and_local_time_joins(gz):
    items = [
        item("u1", "us_strike", "US jets strike weapons depots near Abu Kamal",
             "American F-16s struck two weapons depots near Abu Kamal on Friday, a Syrian monitor said.",
             "2025-11-07T09:00:00"),
        item("u2", "us_strike", "Analysis: what Thursday night's strikes near Abu Kamal say about deterrence",
             "The strikes near Abu Kamal on Thursday night were the first in months, officials said. Militias "
             "have since fired at two bases.", "2025-11-08T08:00:00"),
    ]
    assert clusters(items, gz)("u1", "u2")


def test_attacks_on_consecutive_days_stay_apart_even_with_a_night_named(gz):
    items = [
        item("t1", "militia_attack", "Rockets hit Ain al-Asad on Thursday night",
             "Several rockets hit Ain al-Asad air base on Thursday night, officials said.", "2025-11-06T23:00:00"),
        item("t2", "militia_attack", "Drone attack on Ain al-Asad on Friday",
             "A drone attacked Ain al-Asad air base on Friday, officials said.", "2025-11-07T16:00:00"),
    ]
    assert not clusters(items, gz)("t1", "t2")


# Rule 2d: an incident at a known hour was not already in the news hours before it.

def test_strike_at_a_named_hour_after_an_event_was_reported_is_another_strike(gz):
    items = [
        item("d1", "us_strike", "US forces conduct precision strikes in Deir ez-Zor",
             "US forces today struck bunkers used by IRGC-affiliated groups in Deir ez-Zor.", "2025-08-27T00:30:00"),
        item("d2", "us_strike", "US helicopters hit rocket teams near Deir ez-Zor",
             "US attack helicopters struck militants who fired rockets near Deir ez-Zor on Wednesday night.",
             "2025-08-27T23:00:00"),
    ]
    assert not clusters(items, gz)("d1", "d2")


def test_state_patron_is_compatible_with_any_militia(gz):
    items = [
        item("i1", "us_strike", "US strikes IRGC-linked depots near Mayadin",
             "US jets struck ammunition depots near Mayadin used by the IRGC late on Tuesday.", "2025-09-09T23:00:00"),
        item("i2", "us_strike", "Monitor: six Fatemiyoun fighters killed in US raid near Mayadin",
             "Six Liwa Fatemiyoun fighters died when US warplanes bombed their depot near Mayadin late on Tuesday.",
             "2025-09-10T08:00:00"),
    ]
    assert clusters(items, gz)("i1", "i2")


def test_launch_point_is_not_the_place_attacked(gz):
    ex = extract("Rockets fired from Zummar toward Syria",
                 "Rockets were launched on Sunday evening from the Zummar district, police said.",
                 datetime(2025, 9, 14, 20, tzinfo=UTC), gz)
    assert ex.landmarks == {"zummar"}
    assert report_from("militia_attack", "", "", ex, gz).main_place is None


# Only the attackers' weapons can clash: US aircraft over the base say nothing about which attack it was.

def test_weapons_clash_counts_only_the_attackers_weapons(gz):
    assert matching._weapons_clash({"rocket"}, {"one-way-drone"}, gz)
    assert not matching._weapons_clash({"ah-64"}, {"ballistic-missile"}, gz)
    assert not matching._weapons_clash({"rocket", "ah-64"}, {"rocket"}, gz)


def test_us_helicopters_seen_after_an_attack_do_not_split_it(gz):
    items = [
        item("h1", "militia_attack", "Missiles strike inside Ain al-Asad base",
             "Two missiles hit Ain al-Asad air base on Tuesday afternoon; US helicopters were later seen circling.",
             "2025-11-18T11:10:00"),
        item("h2", "militia_attack", "Ballistic missile used against Al Asad",
             "A short-range ballistic missile struck Al Asad Air Base on Tuesday, a US official said.",
             "2025-11-18T19:30:00"),
    ]
    assert clusters(items, gz)("h1", "h2")


# A strike report naming militia-side places far apart tells of one operation on several sites.

def test_strike_report_naming_far_apart_sites_is_multi_site(gz):
    title = "US airstrikes pound Jurf al-Sakhar and al-Qaim"
    text = "Warplanes bombed sites in both areas after midnight."
    pub = datetime(2025, 1, 24, 8, tzinfo=UTC)
    assert report_from("us_strike", title, text, extract(title, text, pub, gz, "us_strike"), gz, pub).multi_site
    near = "US strike hits a depot in Jurf al-Sakhar"
    assert not report_from("us_strike", near, "", extract(near, "", pub, gz, "us_strike"), gz, pub).multi_site


def test_province_report_joins_the_same_night_strikes_on_far_apart_sites(gz):
    items = [
        item("m1", "us_strike", "Iraq condemns overnight US raids on PMF positions in Babil and Anbar", "",
             "2025-01-24T03:30:00"),
        item("m2", "us_strike", "US airstrikes pound Jurf al-Sakhar and al-Qaim; PMF reports casualties",
             "American warplanes bombed Kataib Hezbollah sites in Jurf al-Sakhar and near al-Qaim after midnight.",
             "2025-01-24T08:15:00"),
    ]
    assert clusters(items, gz)("m1", "m2")


def test_the_anbar_airbase_is_ain_al_asad(gz):
    ex = extract("Rocket salvo on the Anbar airbase", "", datetime(2025, 7, 7, tzinfo=UTC), gz)
    assert "ain-al-asad" in ex.places
