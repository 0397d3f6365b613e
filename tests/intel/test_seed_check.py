"""The seed timeline's content checks (sources, gazetteer keys, duplicates) and the campaign tally report."""

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.intel.seed import read_timeline
from bot.intel.seed_check import campaign_by_month, cumulative_attacks, problems, read_tallies, tally_lines

ROOT = Path(__file__).resolve().parents[2]
TIMELINE = ROOT / "config" / "timeline.jsonl"


def test_the_seed_timeline_passes_its_checks(gz):
    assert problems(read_timeline(TIMELINE), gz) == []


def _rows(tmp_path, *rows):
    path = tmp_path / "t.jsonl"
    base = {"kind": "militia_attack", "title": "t", "source": "https://a.test", "source_outlet": "A"}
    path.write_text("".join(json.dumps({**base, **r}) + "\n" for r in rows))
    return read_timeline(path)


def test_checks_catch_what_they_claim_to(tmp_path, gz):
    rows = _rows(tmp_path,
                 {"seed_key": "a", "date": "2023-11-01", "place": "ain-al-asad"},
                 {"seed_key": "b", "date": "2023-11-01", "place": "ain-al-asad"},  # same day, place, kind
                 {"seed_key": "c", "date": "2023-11-02", "place": "atlantis", "groups": [{"key": "nobody"}]},
                 {"seed_key": "d", "date": "2023-11-03", "place": None, "source": "not a url", "source_outlet": ""},
                 {"seed_key": "e", "date": "2023-11-04", "place": "erbil", "weapons": ["catapult"],
                  "source_date": "3 Nov"})
    found = problems(rows, gz)
    assert "duplicate (day, place, kind): ('2023-11-01', 'ain-al-asad', 'militia_attack')" in found
    assert {"c: place 'atlantis' is not in the gazetteer", "c: group 'nobody' is not in the gazetteer"} <= set(found)
    assert {"d: source is not a URL", "d: no source_outlet", "d: an attack needs a place"} <= set(found)
    assert {"e: weapon 'catapult' is not in the gazetteer", "e: source_date '3 Nov' is not YYYY-MM-DD"} <= set(found)
    assert len(found) == 8


def test_campaign_counts_by_local_day_and_against_tallies(tmp_path):
    rows = _rows(tmp_path,
                 {"seed_key": "a", "date": "2023-10-16", "place": "erbil"},  # before the Pentagon's count began
                 {"seed_key": "b", "date": "2023-10-18", "place": "erbil"},
                 {"seed_key": "c", "date": "2023-10-31", "place": "al-tanf", "attacks": 3},
                 {"seed_key": "d", "date": "2023-11-01", "place": "abu-kamal", "kind": "us_strike"})
    assert campaign_by_month(rows) == {"2023-10": (4, 0), "2023-11": (0, 1)}
    assert cumulative_attacks(rows, date(2023, 10, 30)) == 1
    tallies = read_tallies(ROOT / "config" / "campaign_tallies.toml")
    assert tallies[0].as_of < tallies[-1].as_of and tallies[-1].attacks == 170
    line = tally_lines(rows, [t for t in tallies if t.as_of == date(2023, 10, 31)])[1]
    assert line.split()[:4] == ["2023-10-31", "27", "4", "-85%"]


def test_seed_check_command(monkeypatch, sqlite_url):
    monkeypatch.setenv("SITREP_DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(app, ["db", "seed", "--check"])
    assert result.exit_code == 0, result.output
    assert "2023-11" in result.output and "170" in result.output and "no problems" in result.output
