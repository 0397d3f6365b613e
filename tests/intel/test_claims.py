"""Golden tests: a group is the claimant only when its own clause makes the claim."""

from datetime import UTC, datetime

import pytest

from bot.intel.extract import extract

PUB = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)


def roles(gz, text: str) -> dict[str, str]:
    return {g.key: g.role for g in extract("Base attacked", text, PUB, gz).groups}


@pytest.mark.parametrize(("text", "expected"), [
    # Claim and blame in one sentence: each group keeps its own role.
    ("The Islamic Resistance in Iraq claimed the attack, which US officials blamed on Kataib Hezbollah.",
     {"islamic-resistance-in-iraq": "claimed", "kataib-hezbollah": "attributed"}),
    # A denial next to an unclaimed attack is no claim.
    ("Kataib Hezbollah denied any role in the attack, which no group has claimed.",
     {"kataib-hezbollah": "attributed"}),
    ("Responsibility for the drone was claimed by Harakat al-Nujaba, while Pentagon officials said Kataib "
     "Hezbollah was behind it.", {"nujaba": "claimed", "kataib-hezbollah": "attributed"}),
    ("The Islamic Resistance in Iraq, an alliance of Iran-aligned factions, said it launched two drones at the base.",
     {"islamic-resistance-in-iraq": "claimed"}),
    ("In a statement on Telegram, the Islamic Resistance in Iraq said the drones reached their targets.",
     {"islamic-resistance-in-iraq": "claimed"}),
    ("The strike was attributed to Asaib Ahl al-Haq even though the Islamic Resistance in Iraq claimed it.",
     {"asaib-ahl-al-haq": "attributed", "islamic-resistance-in-iraq": "claimed"}),
    ("No group claimed the rockets, but officials said Kataib Hezbollah was behind them.",
     {"kataib-hezbollah": "attributed"}),
    ("The attack was claimed first by a little-known group, Tashkil al-Waritheen, and then, in a later statement, "
     "by the Islamic Resistance in Iraq.",
     {"tashkil-al-waritheen": "claimed", "islamic-resistance-in-iraq": "claimed"}),
    ("Kataib Hezbollah, which did not claim the rocket fire, warned of a response.",
     {"kataib-hezbollah": "attributed"}),
])
def test_claim_role_follows_the_clause(gz, text, expected):
    assert roles(gz, text) == expected


def test_claim_in_one_sentence_wins_over_blame_in_another(gz):
    text = ("US officials blamed the Islamic Resistance in Iraq. Later the Islamic Resistance in Iraq said on its "
            "channel that its fighters struck the base.")
    assert roles(gz, text) == {"islamic-resistance-in-iraq": "claimed"}
