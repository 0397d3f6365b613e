import json

from typer.testing import CliRunner

from bot.cli import app
from bot.intel.clustering_eval import SETS


def test_tuning_set_stays_at_the_target():
    # The set the rules were tuned on: a regression guard, not a measure of how well they generalise.
    tuning = SETS[0]
    assert tuning.role == "tuning"
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--clustering-set", str(tuning.path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"] >= 40 and report["clusters"] >= 19
    assert report["precision"] >= 0.95 and report["recall"] >= 0.95 and report["f1"] >= 0.95
