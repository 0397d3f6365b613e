"""Fold the extractions of an event's reports into the event's fields (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.intel.casualties import CATEGORIES
from bot.intel.extract import Extraction
from bot.intel.gazetteer import Gazetteer
from bot.intel.matching import main_place

US_CATEGORIES = ("us_military", "us_contractor")


@dataclass(frozen=True)
class EventFacts:
    occurred_at: datetime
    place_key: str | None
    country: str | None
    places: list[str]
    groups: list[dict[str, str]]
    weapons: list[str]
    casualties: dict[str, Any]


def merge(kind: str, extractions: Sequence[Extraction], gazetteer: Gazetteer) -> EventFacts:
    """Event facts from its reports' extractions, oldest report first.

    Counts only rise: each category keeps the largest figure any report gave (a later "toll rises to 40"
    raises it, a terse report repeating an early figure does not lower it). The history of every figure is in
    casualty_reports.
    """
    precise = [e for e in extractions if e.incident.precision == "day"]
    occurred = min(e.occurred_at for e in precise) if precise else extractions[0].occurred_at
    places: list[str] = []
    roles: dict[str, str] = {}
    weapons: list[str] = []
    for e in extractions:
        places += [p for p in e.places if p not in places]
        weapons += [w for w in e.weapons if w not in weapons]
        for g in e.groups:
            if gazetteer.groups.get(g.key) and gazetteer.groups[g.key].type == "other":
                continue  # e.g. Lebanese Hezbollah named for background: not an actor of this incident
            role = "targeted" if kind == "us_strike" else g.role
            if roles.get(g.key) != "claimed":
                roles[g.key] = role
    # A place named only as a reference point ("south of Baghdad") is indexed but is not where it happened.
    landmarks = set.intersection(*(set(e.landmarks) for e in extractions)) if extractions else set()
    main = main_place([p for p in places if p not in landmarks], kind, gazetteer)
    if main:
        places = [main] + [p for p in places if p != main]
    side = "militia" if kind == "militia_attack" else "us"
    weapons = [w for w in weapons if w not in gazetteer.weapons or gazetteer.weapons[w].side == side]
    return EventFacts(
        occurred_at=occurred,
        place_key=main,
        country=gazetteer.places[main].country if main in gazetteer.places else None,
        places=places,
        groups=[{"key": k, "role": r} for k, r in roles.items()],
        weapons=weapons,
        casualties=merge_casualties(extractions, kind),
    )


def merge_casualties(extractions: Sequence[Extraction], kind: str | None = None) -> dict[str, Any]:
    """category -> {"killed": n, "wounded": n}; plus "none_reported": True for an explicit no-injuries report.

    A US strike report's US casualties are those of the attack it answers, a separate incident: a strike event
    takes none (nor its "no injuries").
    """
    out: dict[str, Any] = {}
    for cat in CATEGORIES:
        if kind == "us_strike" and cat in US_CATEGORIES:
            continue
        killed = [e.casualties[cat].killed for e in extractions if cat in e.casualties]
        wounded = [e.casualties[cat].wounded for e in extractions if cat in e.casualties]
        k = max((n for n in killed if n is not None), default=None)
        w = max((n for n in wounded if n is not None), default=None)
        if k is not None or w is not None:
            out[cat] = {"killed": k or 0, "wounded": w or 0}
    if kind != "us_strike" and any(e.no_injuries for e in extractions) and not any(c in out for c in US_CATEGORIES):
        out["none_reported"] = True
    return out


def us_totals(kind: str, extractions: Sequence[Extraction]) -> tuple[int | None, int | None]:
    """(US killed, US wounded) as the reports state them: service members plus American contractors; None when
    no report states a figure, 0 for an explicit "no casualties"; None for a strike (see merge_casualties)."""
    if kind == "us_strike":
        return None, None
    totals: list[int | None] = []
    for outcome in ("killed", "wounded"):
        best: int | None = None
        for cat in US_CATEGORIES:
            figures = [getattr(e.casualties[cat], outcome) for e in extractions if cat in e.casualties]
            known = [n for n in figures if n is not None]
            if known:
                best = (best or 0) + max(known)
        totals.append(best)
    killed, wounded = totals
    if any(e.no_injuries for e in extractions):
        killed, wounded = killed or 0, wounded or 0
    return killed, wounded
