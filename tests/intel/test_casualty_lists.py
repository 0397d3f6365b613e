"""Golden tests: one verb after a list of casualty noun phrases counts for every item of the list."""

import pytest

from bot.intel.casualties import casualty_mentions


def counts(sentence: str) -> list[tuple[str, str, int]]:
    return [(c.category, c.outcome, c.count) for c in casualty_mentions(sentence)]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Four Peshmerga soldiers and one civilian were hurt when the drone came down.",
     [("partner_forces", "wounded", 4), ("civilians", "wounded", 1)]),
    ("Two US soldiers and a contractor were wounded.",
     [("us_military", "wounded", 2), ("us_contractor", "wounded", 1)]),
    ("Three US troops, two Iraqi soldiers and one civilian were killed in the blast.",
     [("us_military", "killed", 3), ("partner_forces", "killed", 2), ("civilians", "killed", 1)]),
    ("Six US service members and two US contractors suffered injuries, officials said.",
     [("us_military", "wounded", 6), ("us_contractor", "wounded", 2)]),
    # Each item with its own verb keeps it: the list rule must not spread one verb over the other.
    ("The strike killed two militants and three civilians were wounded.",
     [("militants", "killed", 2), ("civilians", "wounded", 3)]),
    ("Five SDF fighters were killed and two US soldiers were hurt.",
     [("partner_forces", "killed", 5), ("us_military", "wounded", 2)]),
])
def test_one_verb_after_a_list(sentence, expected):
    assert counts(sentence) == expected
