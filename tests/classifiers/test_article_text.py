"""The article-text step on pages written by us in the shape of real ones (chrome, datelines, background)."""

from __future__ import annotations

from classifiers.article_text import clean_headline, is_background, read_article, split_dateline


def test_outlet_suffixes_are_removed_from_the_headline() -> None:
    assert clean_headline("Drones hit US base near Hasakah - Example Wire") == "Drones hit US base near Hasakah"
    assert clean_headline("Rockets land near Victory base | The Daily Example") == "Rockets land near Victory base"
    assert clean_headline("Militia claims strike on Tanf – Example News – World") == "Militia claims strike on Tanf"
    # A colon tail or a hyphenated word is part of the headline, not an outlet.
    colon = "Coalition strikes caves in Hamrin: Iraqi army"
    assert clean_headline(colon) == colon
    assert clean_headline("Iran-backed group claims drone attack") == "Iran-backed group claims drone attack"


def test_wire_dateline_is_split_from_the_lead() -> None:
    cases = {
        "BAGHDAD (Wire) - Two rockets fell inside the base on Tuesday, officials said.": "BAGHDAD (Wire) -",
        "ERBIL, Kurdistan Region — A drone struck the airport late on Friday, the ministry said.":
            "ERBIL, Kurdistan Region —",
        "WASHINGTON, Jan. 23 (Agency) -- US jets struck three facilities in Iraq on Tuesday, officials said.":
            "WASHINGTON, Jan. 23 (Agency) --",
        "Example News/ An armed group on Monday claimed a drone attack on a US base in Syria.": "Example News/",
    }
    for lead, dateline in cases.items():
        got, rest = split_dateline(lead)
        assert got == dateline
        assert rest and rest[0].isupper()
    # An ordinary opening is not a dateline.
    assert split_dateline("The attack on Monday wounded two soldiers, the statement said.")[0] == ""


PAGE = """ date 2024-03-05 Skip to main content
Menu
Security
Drones strike US outpost in eastern Syria - Example Post
By Jane Writer
Published March 5, 2024 10:42
A file photo of a patrol near the field. (Photo: Example/ Wire)
Share this article

DEIR EZZOR, Syria (Example Wire) — Two drones struck a US outpost at the al-Omar oil field on Monday night, \
wounding three US service members, a defence official said.

The official said the wounded troops were treated for minor injuries and returned to duty.

The attack was the latest in a series of strikes on US forces in Iraq and Syria since mid-October, with more than \
150 attacks recorded.

In response to an earlier attack on the Tanf garrison, US jets struck two depots near Albu Kamal in February.

Read more: US jets strike depots near Albu Kamal
Advertisement
Sign up for our daily newsletter to get the news first.
© 2024 Example Post. All rights reserved."""


def test_a_real_shaped_page_gives_headline_lead_and_marked_background() -> None:
    art = read_article("Drones strike US outpost in eastern Syria - Example Post", PAGE)
    assert art.headline == "Drones strike US outpost in eastern Syria"
    assert art.dateline == "DEIR EZZOR, Syria (Example Wire) —"
    assert art.lead.startswith("Two drones struck a US outpost at the al-Omar oil field on Monday night")
    texts = [p.text for p in art.body]
    assert texts[0].startswith("The official said the wounded troops")
    assert [p.background for p in art.body] == [False, True, True]
    removed = " ".join(art.removed)
    for chrome in ("date 2024-03-05", "Skip to main content", "By Jane Writer", "Published March 5", "(Photo:",
                   "Share this article", "Read more", "Advertisement", "newsletter", "All rights reserved"):
        assert chrome in removed, chrome
    fg = art.foreground()
    assert "Albu Kamal" not in fg and "150 attacks" not in fg
    assert fg.splitlines()[0] == art.headline and "treated for minor injuries" in fg


def test_title_repeated_at_the_start_of_the_text_is_not_the_lead() -> None:
    text = ("Rockets hit Balad air base\n\nRockets hit Balad air base\n\nThree rockets hit Balad air base north of "
            "Baghdad on Sunday evening, wounding two Iraqi guards, security sources said.")
    art = read_article("Rockets hit Balad air base", text)
    assert art.lead.startswith("Three rockets hit Balad")
    assert art.body == ()
    # The headline glued to the first sentence on one line.
    glued = read_article("Rockets hit Balad air base", "Rockets hit Balad air base Three rockets hit the base "
                         "north of Baghdad on Sunday evening, security sources said.")
    assert glued.lead.startswith("Three rockets hit the base")


def test_single_paragraph_and_flattened_texts_are_split_into_sentences() -> None:
    one = read_article("", "A drone struck near the Harir base on Wednesday, causing no casualties, officials said.")
    assert one.lead.startswith("A drone struck") and one.body == ()
    flat = ("A rocket hit the U.S. Embassy compound in Baghdad on Sunday night, officials said. " * 1
            + "Gen. Smith said no personnel were hurt and the C-RAM system engaged two rockets. "
            + "The embassy has been targeted dozens of times since October 2023 by Iran-backed groups. " * 1
            + "Iraqi forces found the launcher in a field east of the city, a security source said. " * 5)
    art = read_article("", flat)
    assert art.lead == "A rocket hit the U.S. Embassy compound in Baghdad on Sunday night, officials said."
    assert art.body[0].text.startswith("Gen. Smith said no personnel")  # "Gen." does not end a sentence
    assert art.body[1].background


def test_truncated_and_non_english_text_is_kept() -> None:
    cut = read_article("", "Four rockets landed inside the Victory base near Baghdad airport early Tuesday, two "
                       "security officials said, adding that the damage was lim")
    assert cut.lead.endswith("was lim")
    german = ("Bei einem Drohnenangriff auf einen Stützpunkt im Osten Syriens sind nach Angaben des Militärs "
              "mehrere Soldaten verletzt worden. Die Angreifer wurden nicht genannt, hieß es.\n\n"
              "Seit Oktober wurden die Truppen mehr als 150 Mal angegriffen.")
    art = read_article("", german)
    assert art.lead.startswith("Bei einem Drohnenangriff") and art.dateline == ""
    assert [p.background for p in art.body] == [False]


def test_captions_bylines_and_stamps_before_the_lead_are_chrome() -> None:
    text = ("Home World Middle East\nJohn Example\n11:56, 28 June 2024\nUS jets over the desert in a file image\n"
            "Photo credit: Example Agency\nUS F-15 jets struck two depots used by Kataib Hezbollah near the "
            "border town of al-Qaim on Sunday, the Pentagon said.")
    art = read_article("", text)
    assert art.lead.startswith("US F-15 jets struck two depots")
    assert "John Example" in art.removed and "11:56, 28 June 2024" in art.removed
    assert "Photo credit: Example Agency" in art.removed


def test_background_marks_history_and_totals_but_not_this_incident() -> None:
    assert is_background("Previously, militia rockets had hit the base in January 2020.")
    assert is_background("The strike came after a drone attack on Tower 22 killed three soldiers.")
    assert is_background("US forces have been attacked more than 170 times since October 17.")
    assert is_background("In 2021, the same base was targeted by drones.")
    assert not is_background("The rockets landed inside the perimeter, injuring one contractor.")
    # A totals clause in a paragraph that also dates this report's incident stays foreground.
    assert not is_background("Monday's attack on the base, late on Monday, was the first of more than 150 attacks.")


def test_a_history_note_before_the_news_is_not_the_lead() -> None:
    text = ("Earlier, a dozen rockets targeted the airport complex in Erbil, which hosts coalition troops.\n\n"
            "At least ten rockets struck Ain al-Asad air base in Anbar on Wednesday morning, the coalition said.")
    art = read_article("Rockets hit Iraqi air base", text)
    assert art.lead.startswith("At least ten rockets struck Ain al-Asad")
    assert [p.background for p in art.body] == [True]
    # "In response to ..." can open a lead: the news is in its main clause.
    lead = ("In response to the attack on the base, US jets struck three Kataib Hezbollah sites near al-Qaim on "
            "Sunday, officials said.")
    assert read_article("", lead).lead == lead
