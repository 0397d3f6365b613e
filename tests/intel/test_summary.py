from bot.intel.summary import summarize

REPORTS = [
    ("Drone attack kills three US soldiers at base in Jordan",
     "The attack came late on Sunday. A one-way attack drone hit Tower 22, a small US outpost in northeastern "
     "Jordan, killing three US Army soldiers and wounding more than 30. Officials blamed Kataib Hezbollah. "
     "US forces have been attacked more than 160 times since October 17."),
    ("Pentagon names three soldiers killed at Tower 22",
     "The Defense Department identified the three reservists. The number of wounded at Tower 22 has risen to "
     "about 40, officials said. President Biden promised a response."),
    ("Iraqi group claims attacks",
     "The Islamic Resistance in Iraq said it launched drones at US positions on the Syria-Jordan border."),
]


def test_summary_leads_with_who_what_where_and_casualties(gz):
    text = summarize(REPORTS, gz, budget=400)
    first = text.split(". ")[0]
    assert "Tower 22" in first and "killing three US Army soldiers" in first
    assert 2 <= text.count(". ") + 1 <= 3
    assert len(text) <= 400
    assert "since October 17" not in text  # aggregates never make the summary


def test_summary_respects_budget_and_is_deterministic(gz):
    short = summarize(REPORTS, gz, budget=150)
    assert len(short) <= 150 and "Tower 22" in short
    assert summarize(REPORTS, gz, budget=150) == short
    assert summarize(list(REPORTS), gz) == summarize(list(REPORTS), gz)


def test_headline_only_feeds_fall_back_to_titles(gz):
    text = summarize([("Rockets hit Ain al-Asad air base", ""), ("Rockets hit Ain al-Asad air base", "")], gz)
    assert text == "Rockets hit Ain al-Asad air base."
    assert summarize([], gz) == ""
