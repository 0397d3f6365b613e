import json

from typer.testing import CliRunner

from bot.cli import app


def test_evaluate_clustering_reports_pairwise_scores_above_target():
    result = CliRunner().invoke(app, ["evaluate", "--clustering", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"] >= 40 and report["clusters"] >= 19
    assert report["precision"] >= 0.95 and report["recall"] >= 0.95 and report["f1"] >= 0.95
