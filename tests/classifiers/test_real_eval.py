"""Scoring a real-text file (the real_dev format) in three forms, on a small file written for these tests."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from classifiers.corpus import LABELS
from classifiers.evaluation import REAL_FORMS, evaluate_real, load_real, real_inputs
from classifiers.model import Classifier

runner = CliRunner()

# Our own sentences, shaped like real pages: a date stamp, a byline, a title repeated at the top of the page.
RECORDS = [
    {"id": "t01", "label": "militia_attack", "tags": ["asad"], "title": "Rockets hit Ain al-Asad air base in Anbar",
     "text": "Rockets hit Ain al-Asad air base in Anbar\n\nBy Staff Writer\n\nThree rockets landed inside the base "
             "hosting US troops on Tuesday night. No group claimed the attack. Officials blamed Iran-backed militias."},
    {"id": "t02", "label": "militia_attack", "tags": ["short"], "title": "",
     "text": " date 2023-11-02 A drone attack targeted US forces at al-Tanf garrison in Syria, a US official said. "
             "The Islamic Resistance in Iraq claimed it."},
    {"id": "t03", "label": "us_strike", "tags": ["kataib_hezbollah"],
     "title": "US jets strike Kataib Hezbollah weapons depots in Iraq and Syria",
     "text": "US jets strike Kataib Hezbollah weapons depots in Iraq and Syria\n\nAmerican aircraft struck five "
             "facilities used by Kataib Hezbollah near al-Qaim, the Pentagon said on Sunday."},
    {"id": "t04", "label": "other", "tags": ["politics"], "title": "Iraqi parliament debates the budget again",
     "text": "Lawmakers in Baghdad met for a third day to argue over the federal budget and oil revenue sharing."},
    {"id": "t05", "label": "other", "tags": ["iran_direct"],
     "title": "Iran fires ballistic missiles at bases hosting US troops",
     "text": "The Revolutionary Guard said it launched missiles at two bases in Iraq in revenge for its general."},
]


@pytest.fixture
def real_file(tmp_path):
    path = tmp_path / "real.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_three_forms_from_one_record(real_file):
    items = load_real(real_file)
    item = items[0]
    forms = real_inputs(item)
    assert forms["headline"] == RECORDS[0]["title"]
    # The page repeats its title at the top: the body starts after it, and the RSS form is the title plus 300 chars.
    assert forms["full"].count("Rockets hit Ain al-Asad") == 1
    assert forms["rss"].startswith(RECORDS[0]["title"]) and len(forms["rss"]) <= len(RECORDS[0]["title"]) + 2 + 300
    untitled = real_inputs(items[1])
    # Without a visible title the headline form is the first sentence, without the page's date stamp.
    assert untitled["headline"] == "A drone attack targeted US forces at al-Tanf garrison in Syria, a US official said."


def test_report_counts_add_up_and_sets_iran_direct_apart(real_file, small_model_dir):
    classifier = Classifier.load(small_model_dir)
    report = evaluate_real(classifier, real_file, classifier.version, classifier.abstain_threshold)
    assert (report.n, report.n_apart) == (4, 1)
    for form in REAL_FORMS:
        block = report.by_form[form]
        assert np.array(block.confusion).sum() == 4
        assert sum(report.apart[form].values()) == 1
        wrong = [e for e in report.errors if e["form"] == form]
        assert len(wrong) == 4 - np.trace(np.array(block.confusion))
    assert set(report.false_alarms_by_tag) == {"politics"}
    as_dict = json.loads(json.dumps(report.as_dict()))
    assert set(as_dict["targets"]) == {"headline_macro_f1", "rss_macro_f1", "full_macro_f1",
                                       "false_alarm_rate_worst_form"}
    table = report.as_table()
    assert "iran_direct" in table and "| rss | us_strike |" in table


def test_a_bad_record_names_its_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps({**RECORDS[0], "label": "attack"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: unknown label"):
        load_real(path)


def test_cli_scores_a_file_and_skips_a_missing_one(real_file, small_model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    missing = tmp_path / "absent.jsonl"
    args = ["evaluate", "--json", "--model", str(small_model_dir), "--real", str(real_file), "--real", str(missing)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"real-text file {missing} not found: skipped" in result.stdout
    report = json.loads(result.stdout[result.stdout.index("{"):])
    (scored,) = report["real"]
    assert scored["n"] == 4 and set(scored["by_form"]) == set(REAL_FORMS)
    assert list(scored["set_apart"]["predicted"]["full"]) == list(LABELS)


def test_cli_with_only_a_missing_file_says_so_and_succeeds(tmp_path):
    result = runner.invoke(app, ["evaluate", "--real", str(tmp_path / "nowhere.jsonl")])
    assert result.exit_code == 0
    assert "not found: skipped" in result.stdout
