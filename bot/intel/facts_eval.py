"""Fact-extraction evaluation: per-field accuracy of the facts sitrep derives for a one-report event.

The labelled file holds, per report, what the report itself says about its incident: `place`, `country`,
`groups`, `weapon`, `us_killed`, `us_wounded`, `incident_date` (format of `real_dev_facts.jsonl`). The texts
live beside it in the clustering file of the same reports (`*_facts.jsonl` -> `*_clustering.jsonl`, or records
that carry `title`, `text` and `published` themselves). Each report goes through `extract` then `merge`, as a
new event would, and each field is scored two ways:

- strict: place and groups as the same gazetteer keys; casualties with "not stated" (None) apart from 0;
  the incident day exactly;
- lenient: place the same or gazetteer-near; the gold groups contained in the prediction; None counted as 0;
  the day within one day either way (a US-announced day against the local one).

A gold name the gazetteer cannot resolve counts as a miss, since sitrep could not have produced it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from bot.intel.extract import extract
from bot.intel.gazetteer import Gazetteer
from bot.intel.matching import report_from
from bot.intel.merge import EventFacts, merge, us_totals

FIELDS = ("place", "country", "groups", "weapon", "us_killed", "us_wounded", "incident_date")
UNRESOLVED = "?unresolved"
# Gazetteer weapon keys -> the label vocabulary (rocket, drone, missile, mortar, ied, airstrike, drone_strike,
# artillery, small_arms): what kind of weapon a reader would say it was.
WEAPON_LABELS = {
    "rocket": "rocket", "mortar": "mortar", "one-way-drone": "drone", "ballistic-missile": "missile",
    "ied": "ied", "airstrike": "airstrike", "f-15e": "airstrike", "f-16": "airstrike", "b-1b": "airstrike",
    "ac-130": "airstrike", "ah-64": "airstrike", "artillery": "artillery", "drone-strike": "drone_strike",
    "hellfire": "drone_strike", "small-arms": "small_arms",
}


@dataclass
class FieldScore:
    strict: int = 0
    lenient: int = 0
    n: int = 0

    def rate(self, lenient: bool = False) -> float:
        return (self.lenient if lenient else self.strict) / self.n if self.n else 1.0


@dataclass
class FactsReport:
    items: int
    fields: dict[str, FieldScore]
    errors: list[dict[str, Any]] = field(default_factory=list)  # one per strict miss: id, field, gold, predicted
    name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"set": self.name, "items": self.items,
                "fields": {f: {"strict": s.rate(), "lenient": s.rate(True), "n": s.n} for f, s in self.fields.items()},
                "errors": self.errors}

    def as_table(self) -> Table:
        table = Table(title=f"Facts, {self.name}: {self.items} reports (one-report events)")
        for col in ("field", "strict", "lenient", "n"):
            table.add_column(col, justify="right" if col != "field" else "left")
        for name, s in self.fields.items():
            table.add_row(name, f"{s.rate():.3f}", f"{s.rate(True):.3f}", str(s.n))
        return table


def load_facts(path: Path) -> list[dict[str, Any]]:
    """Labelled facts joined with their texts; ValueError naming the line when one is unusable."""
    records = _read_jsonl(path)
    if records and not {"title", "text", "published"} <= set(records[0]):
        texts_path = path.with_name(path.name.replace("_facts", "_clustering"))
        if texts_path == path or not texts_path.exists():
            raise ValueError(f"{path}: records carry no text and {texts_path.name} is not beside it")
        texts = {r["id"]: r for r in _read_jsonl(texts_path)}
        for r in records:
            if r["id"] not in texts:
                raise ValueError(f"{path}: {r['id']!r} has no text in {texts_path.name}")
            r.update({k: texts[r["id"]][k] for k in ("title", "text", "published")})
    for r in records:
        missing = {"id", "kind", "title", "text", "published", *FIELDS} - set(r)
        if missing:
            raise ValueError(f"{path}: {r.get('id', '?')}: missing {sorted(missing)}")
        r["published"] = datetime.fromisoformat(str(r["published"]).replace("Z", "+00:00"))
    return records


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON ({exc.msg})") from None
    return out


@dataclass(frozen=True)
class Predicted:
    place: str | None
    country: str | None
    groups: frozenset[str]
    weapon: str
    us_killed: int | None
    us_wounded: int | None
    incident_date: date


def predict(item: dict[str, Any], gazetteer: Gazetteer) -> Predicted:
    """The facts a new event would get from this one report."""
    ex = extract(item["title"], item["text"], item["published"], gazetteer, item["kind"])
    facts = merge(item["kind"], [ex], gazetteer)
    # With no place, the country the report names ("a base in Syria"), as matching reads it.
    report = report_from(item["kind"], item["title"], item["text"], ex, gazetteer, item["published"])
    country = facts.country or report.country
    return Predicted(facts.place_key, country, frozenset(g["key"] for g in facts.groups), _weapon(facts),
                     *us_totals(item["kind"], [ex]), ex.incident.day)


def _weapon(facts: EventFacts) -> str:
    labels = [WEAPON_LABELS.get(w, "") for w in facts.weapons]
    labels = [label for label in labels if label]
    return labels[0] if labels else ""  # the first weapon the report names for this incident


def _resolve(name: str, kind: str, gazetteer: Gazetteer) -> str:
    if not name:
        return ""
    hits = [m for m in gazetteer.find(name) if m.kind == kind]
    return hits[0].key if hits else UNRESOLVED


def score_item(item: dict[str, Any], pred: Predicted, gazetteer: Gazetteer) -> dict[str, tuple[bool, bool, Any, Any]]:
    """field -> (strict ok, lenient ok, gold, predicted)."""
    gold_place = _resolve(item["place"], "place", gazetteer)
    pred_place = pred.place or ""
    gold_groups = frozenset(_resolve(g, "group", gazetteer) for g in item["groups"])
    gold_day = date.fromisoformat(item["incident_date"])
    same: Callable[[Any, Any], bool] = lambda a, b: a == b  # noqa: E731
    zero = lambda v: v or 0  # noqa: E731
    near = bool(gold_place and pred_place and gazetteer.near(gold_place, pred_place))
    out = {
        "place": (gold_place == pred_place, gold_place == pred_place or near, item["place"], pred_place),
        "country": (same(item["country"] or "", pred.country or ""),) * 2 + (item["country"], pred.country),
        "groups": (gold_groups == pred.groups, gold_groups <= pred.groups, sorted(item["groups"]),
                   sorted(pred.groups)),
        "weapon": (same(item["weapon"], pred.weapon),) * 2 + (item["weapon"], pred.weapon),
        "us_killed": (item["us_killed"] == pred.us_killed, zero(item["us_killed"]) == zero(pred.us_killed),
                      item["us_killed"], pred.us_killed),
        "us_wounded": (item["us_wounded"] == pred.us_wounded, zero(item["us_wounded"]) == zero(pred.us_wounded),
                       item["us_wounded"], pred.us_wounded),
        "incident_date": (gold_day == pred.incident_date, abs((gold_day - pred.incident_date).days) <= 1,
                          item["incident_date"], pred.incident_date.isoformat()),
    }
    return out


def evaluate_facts(path: Path, gazetteer: Gazetteer) -> FactsReport:
    """Score every field on the labelled file at `path`."""
    items = load_facts(Path(path))
    fields = {f: FieldScore() for f in FIELDS}
    errors: list[dict[str, Any]] = []
    for item in sorted(items, key=lambda i: i["id"]):
        for name, (strict, lenient, gold, got) in score_item(item, predict(item, gazetteer), gazetteer).items():
            s = fields[name]
            s.n += 1
            s.strict += strict
            s.lenient += lenient
            if not strict:
                errors.append({"id": item["id"], "field": name, "gold": gold, "predicted": got})
    return FactsReport(len(items), fields, errors, Path(path).name)
