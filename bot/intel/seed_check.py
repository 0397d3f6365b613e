"""Checks on the seed timeline beyond its syntax: sources, local dates, gazetteer keys, duplicates, and the
2023-24 campaign's attack count set beside the public tallies (config/campaign_tallies.toml).

`sitrep db seed --check` prints both and fails on a problem; tests/intel/test_seed_check.py runs the same
checks in CI. docs/timeline.md explains the gaps between the file and the tallies.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.intel.gazetteer import Gazetteer

CAMPAIGN_START, CAMPAIGN_END = date(2023, 10, 17), date(2024, 2, 4)  # the Pentagon's count ran from 17 Oct
INCIDENTS = {"militia_attack", "us_strike"}


@dataclass(frozen=True, slots=True)
class Tally:
    """A public cumulative count of attacks on US forces since 17 October 2023, as of `as_of`."""

    as_of: date
    attacks: int
    source: str
    note: str = ""


def problems(rows: list[dict[str, Any]], gz: Gazetteer) -> list[str]:
    """Everything wrong with the rows, one line each (empty when the file passes)."""
    out = []
    for row in rows:
        key = row["seed_key"]
        out += [f"{key}: {p}" for p in _row_problems(row, gz)]
    seen = Counter((r["date"], r.get("place"), r["kind"]) for r in rows if r.get("place") and r["kind"] in INCIDENTS)
    out += [f"duplicate (day, place, kind): {k}" for k, n in seen.items() if n > 1]
    keys = Counter(r["seed_key"] for r in rows)
    out += [f"duplicate seed_key: {k}" for k, n in keys.items() if n > 1]
    return out


def _row_problems(row: dict[str, Any], gz: Gazetteer) -> list[str]:
    out = []
    if not str(row.get("source", "")).startswith(("http://", "https://")):
        out.append("source is not a URL")
    if not row.get("source_outlet"):
        out.append("no source_outlet")
    for field in ("source_date",):
        if row.get(field):
            try:
                date.fromisoformat(row[field])
            except ValueError:
                out.append(f"{field} {row[field]!r} is not YYYY-MM-DD")
    place = row.get("place")
    if place is not None and place not in gz.places:
        out.append(f"place {place!r} is not in the gazetteer")
    if place is None and row["kind"] == "militia_attack":
        out.append("an attack needs a place")
    out += [f"place {p!r} is not in the gazetteer" for p in row.get("places") or [] if p not in gz.places]
    out += [f"group {g.get('key')!r} is not in the gazetteer" for g in row.get("groups", [])
            if g.get("key") not in gz.groups]
    out += [f"weapon {w!r} is not in the gazetteer" for w in row.get("weapons", []) if w not in gz.weapons]
    return out


def attacks_in(row: dict[str, Any]) -> int:
    """Attacks one line stands for: 1, or `attacks` when a source counts several on one base that day."""
    return int(row.get("attacks", 1)) if row["kind"] == "militia_attack" else 0


def campaign_by_month(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """'2023-10' -> (attacks, US strikes) in the campaign window, by local day."""
    out: dict[str, list[int]] = {}
    for row in rows:
        day = row["_day"]
        if CAMPAIGN_START <= day <= CAMPAIGN_END and row["kind"] in INCIDENTS:
            month = out.setdefault(day.strftime("%Y-%m"), [0, 0])
            month[0] += attacks_in(row)
            month[1] += row["kind"] == "us_strike"
    return {m: (a, s) for m, (a, s) in sorted(out.items())}


def cumulative_attacks(rows: list[dict[str, Any]], as_of: date) -> int:
    return sum(attacks_in(r) for r in rows if CAMPAIGN_START <= r["_day"] <= as_of)


def read_tallies(path: Path) -> list[Tally]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return sorted((Tally(t["as_of"], t["attacks"], t["source"], t.get("note", "")) for t in data["tally"]),
                  key=lambda t: t.as_of)


def tally_lines(rows: list[dict[str, Any]], tallies: list[Tally]) -> list[str]:
    """One line per public tally: its count, the file's count to the same day, the gap."""
    lines = [f"{'as of':<11} {'public':>6} {'file':>5} {'gap':>6}  source"]
    for t in tallies:
        mine = cumulative_attacks(rows, t.as_of)
        gap = (mine - t.attacks) / t.attacks
        lines.append(f"{t.as_of.isoformat():<11} {t.attacks:>6} {mine:>5} {gap:>+6.0%}  {t.source}")
    return lines


def month_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'month':<8} {'attacks':>7} {'strikes':>7}"]
    lines += [f"{m:<8} {a:>7} {s:>7}" for m, (a, s) in campaign_by_month(rows).items()]
    return lines
