"""`sitrep evaluate --facts`: per-field scoring on a small facts file written here (never the real files)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.intel.facts_eval import evaluate_facts
from bot.intel.gazetteer import Gazetteer

TEXTS = [
    {"id": "a1", "cluster": "c1", "kind": "militia_attack", "title": "Rockets hit Ain al-Asad air base",
     "text": "Three rockets hit Ain al-Asad air base in Anbar on Monday, wounding two US service members, "
             "officials said. Kataib Hezbollah was blamed.", "published": "2024-03-05T12:00:00Z", "source": "x"},
    {"id": "a2", "cluster": "c2", "kind": "us_strike", "title": "US jets strike militia depots in Syria",
     "text": "US F-15 jets struck two weapons depots near Albu Kamal on Tuesday, the Pentagon said.",
     "published": "2024-03-06T12:00:00Z", "source": "y"},
]
FACTS = [
    {"id": "a1", "incident": "c1", "kind": "militia_attack", "place": "Ain al-Asad", "country": "Iraq",
     "groups": ["Kataib Hezbollah"], "weapon": "rocket", "us_killed": None, "us_wounded": 2,
     "incident_date": "2024-03-04"},
    # Deliberately different from what the text says on two fields, so the scorer must report misses.
    {"id": "a2", "incident": "c2", "kind": "us_strike", "place": "al-Qaim", "country": "Syria",
     "groups": ["Unknown Front of Nowhere"], "weapon": "airstrike", "us_killed": None, "us_wounded": None,
     "incident_date": "2024-03-04"},
]


def _write(tmp_path: Path) -> Path:
    (tmp_path / "set_clustering.jsonl").write_text("\n".join(json.dumps(t) for t in TEXTS), encoding="utf-8")
    facts = tmp_path / "set_facts.jsonl"
    facts.write_text("\n".join(json.dumps(f) for f in FACTS), encoding="utf-8")
    return facts


def test_fields_are_scored_strict_and_lenient(tmp_path: Path, gz: Gazetteer) -> None:
    report = evaluate_facts(_write(tmp_path), gz)
    f = report.fields
    assert report.items == 2
    assert (f["weapon"].strict, f["country"].strict, f["us_wounded"].strict) == (2, 2, 2)
    # a2: Albu Kamal vs al-Qaim are near each other across the border: lenient only.
    assert f["place"].strict == 1
    # a1's day is right; a2 says Tuesday (2024-03-05) against a labelled 2024-03-04: lenient only.
    assert (f["incident_date"].strict, f["incident_date"].lenient) == (1, 2)
    # A gold group the gazetteer cannot resolve is a miss both ways.
    assert (f["groups"].strict, f["groups"].lenient) == (1, 1)
    missed = {(e["id"], e["field"]) for e in report.errors}
    assert ("a2", "groups") in missed and ("a2", "incident_date") in missed and ("a1", "weapon") not in missed


def test_cli_scores_a_file_and_skips_an_absent_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--facts", str(_write(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["items"] == 2 and out["fields"]["weapon"]["strict"] == 1.0
    absent = CliRunner().invoke(app, ["evaluate", "--facts", str(tmp_path / "missing_facts.jsonl")])
    assert absent.exit_code == 0 and "skipped" in absent.output
