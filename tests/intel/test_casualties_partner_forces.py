"""Golden tests: Iraqi state forces and partner forces are partner_forces, never militants.

The militants noun pattern also takes "members of ...", so "members of the Iraqi security forces" used to be
counted as militants. The sentences are written for these tests.
"""

import pytest

from bot.intel.casualties import casualty_mentions


def counts(sentence: str) -> list[tuple[str, str, int]]:
    return [(c.category, c.outcome, c.count) for c in casualty_mentions(sentence)]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Two members of the Iraqi security forces were wounded when a rocket fell short of the base.",
     [("partner_forces", "wounded", 2)]),
    ("Baghdad said the strike killed one member of the Iraqi army and wounded 18 others.",
     [("partner_forces", "killed", 1), ("partner_forces", "wounded", 18)]),
    ("Three members of the federal police were hurt at the checkpoint near the airport.",
     [("partner_forces", "wounded", 3)]),
    ("Two police officers were injured by shrapnel outside the perimeter.",
     [("partner_forces", "wounded", 2)]),
    ("Four policemen were slightly injured, a provincial official said.",
     [("partner_forces", "wounded", 4)]),
    ("A member of the Counter-Terrorism Service was killed in the blast.",
     [("partner_forces", "killed", 1)]),
    ("Two Counter-Terrorism Service members were wounded guarding the convoy.",
     [("partner_forces", "wounded", 2)]),
    ("Five members of the Peshmerga were injured when the drone hit the airport fence.",
     [("partner_forces", "wounded", 5)]),
    ("Three Peshmerga were wounded, the Kurdistan Region's security council said.",
     [("partner_forces", "wounded", 3)]),
    ("Six members of the Syrian Democratic Forces were killed at the oil field.",
     [("partner_forces", "killed", 6)]),
    ("Two members of the SDF were killed and a US soldier was hurt.",
     [("partner_forces", "killed", 2), ("us_military", "wounded", 1)]),
    ("The raid killed four militants and two members of the Iraqi Counter-Terrorism Service.",
     [("militants", "killed", 4), ("partner_forces", "killed", 2)]),
])
def test_state_and_partner_forces(sentence, expected):
    assert counts(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    # Militia members stay militants, the PMF included (it is the militias' umbrella).
    ("Three members of the Popular Mobilization Forces were killed in the US strike.",
     [("militants", "killed", 3)]),
    ("Four members of Kataib Hezbollah died when the car was hit.",
     [("militants", "killed", 4)]),
])
def test_militia_members_stay_militants(sentence, expected):
    assert counts(sentence) == expected
