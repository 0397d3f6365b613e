"""Trend and explainer pieces: on-topic reading, but not one incident, so they never open an event.

"Iranian-backed militias increase attacks against US troops", "What to know about the attacks on US bases",
"Drone attacks on US forces in Syria surge": the headline speaks of the campaign (plural attacks, a rise, a
series, a count, an explanation), and the report names no incident of its own: no day for it, or no specific
place (a base, a site or a town). A report that does name one ("...: the latest hit Ain al-Asad on Monday")
stays an incident report.
"""

from __future__ import annotations

import re

from bot.intel.extract import Extraction
from bot.intel.gazetteer import Gazetteer
from bot.intel.matching import main_place
from classifiers.article_text import clean_headline

# Campaign wording in a headline: plural attacks with a trend verb, a series or count, or an explainer's frame.
_CAMPAIGN = re.compile(
    r"\b(?:attacks|strikes)\b[^.]{0,60}?\b(?:increase|increasing|rise|rising|mount|mounting|surge|surging|spike|"
    r"escalate|escalating|intensify|intensifying|continue|continuing|multiply|pile up|persist)|"
    r"\b(?:increase|increases|increased|step up|steps up|stepped up|ramp up|ramps up|escalate|escalates|"
    r"intensify|intensifies|surge in|rise in|uptick in|spate of|string of|series of|wave of|campaign of|"
    r"dozens of|scores of|hundreds of|more than \d+|over \d+|\d+(?:st|nd|rd|th)?)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:attacks|strikes)\b|"
    r"^(?:what (?:we|to) know|explainer|analysis|timeline|why|how|who are|here'?s)\b|\bexplained\b|"
    r"\b(?:since (?:october|oct|the war|the start))\b",
    re.IGNORECASE)
_SPECIFIC_PLACE_TYPES = {"base", "site", "city"}


def is_trend_piece(title: str, kind: str, extraction: Extraction, gazetteer: Gazetteer) -> bool:
    """True for a campaign trend story or explainer that reports no incident of its own."""
    if kind != "militia_attack" or not _CAMPAIGN.search(clean_headline(title)):
        return False
    own = [p for p in extraction.places if p not in extraction.landmarks]
    place = main_place(own, kind, gazetteer)
    specific = place is not None and place in gazetteer.places and gazetteer.places[place].type in \
        _SPECIFIC_PLACE_TYPES
    return extraction.incident.precision != "day" or not specific
