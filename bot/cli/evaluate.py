"""`sitrep evaluate`: the classifier by grouped CV or on a real-text file, event clustering, extracted facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli.common import CorpusOption, ModelDirOption, console, fail, load_classifier, settings_or_exit


def _metrics_table(report: Any) -> Table:
    from classifiers.corpus import LABELS

    table = Table(title=f"grouped {report.folds}-fold CV by incident, abstain threshold {report.threshold}")
    for column in ("slice", "label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column in ("slice", "label") else "right")
    blocks = {"all": report.overall, **report.by_form}
    for name, block in blocks.items():
        for label in LABELS:
            m = block.per_class[label]
            table.add_row(name, label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                          str(m["support"]))
        table.add_row(name, "[bold]macro[/]", "", "", f"[bold]{block.macro_f1:.3f}[/]", str(block.n),
                      end_section=True)
    return table


def _confusion_table(report: Any) -> Table:
    from classifiers.corpus import LABELS

    table = Table(title="confusion (rows: true label, columns: predicted)")
    table.add_column("slice")
    table.add_column("true")
    for label in LABELS:
        table.add_column(label, justify="right")
    for name, block in {"all": report.overall, **report.by_form}.items():
        for n, (label, counts) in enumerate(zip(LABELS, block.confusion, strict=True)):
            table.add_row(name, label, *map(str, counts), end_section=n == len(LABELS) - 1)
    return table


def _targets_table(report: Any) -> Table:
    table = Table(title="Targets")
    for column in ("target", "goal", "measured", "verdict"):
        table.add_column(column)
    for name, t in report.targets.items():
        gap = abs(t["measured"] - t["target"])
        verdict = "[green]met[/]" if t["met"] else f"[red]missed by {gap:.3f}[/]"
        table.add_row(name, str(t["target"]), f"{t['measured']:.4f}", verdict)
    fa = report.false_alarms
    for name, v in fa.items():
        table.add_row(f"false alarms, {name}", "", f"{v['false_alarms']}/{v['n']} = {100 * v['rate']:.2f}%", "")
    return table


def evaluate_command(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    folds: int = typer.Option(5, "--folds", min=2, help="Number of grouped CV folds."),
    corpus: CorpusOption = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", min=0.0, max=1.0, help="Abstain threshold (default: settings model.abstain_threshold)."
        ),
    ] = None,
    clustering: bool = typer.Option(
        False, "--clustering",
        help="Evaluate event clustering instead, on every labelled set in classifiers/data (clustering*.jsonl): "
             "tuning, development and blind.",
    ),
    clustering_set: Annotated[
        Path | None,
        typer.Option("--clustering-set", help="With --clustering: score only this labelled JSONL set.",
                     exists=True, dir_okay=False),
    ] = None,
    real: Annotated[
        list[Path] | None,
        typer.Option("--real", help="Score the trained model on a real-text file (real_dev.jsonl format: id, title, "
                     "text, label, tags) as headline, RSS item and full text; repeatable. A missing file is "
                     "skipped with a note.", dir_okay=False),
    ] = None,
    model: ModelDirOption = None,
    facts: Annotated[
        Path | None,
        typer.Option("--facts", help="Score fact extraction (place, country, groups, weapon, US casualties, "
                                     "incident day) on a labelled JSONL file in the real_dev_facts format; "
                                     "skipped with one line when the file is absent.", dir_okay=False),
    ] = None,
) -> None:
    """Grouped cross-validation: per-class precision/recall/F1, macro-F1, confusion, by form, false alarms.
    With --clustering: pairwise precision/recall/F1 of grouping reports into events on each labelled set, marked
    with its role (JSON: {"sets": [...]}, or one set's report with --clustering-set).
    With --real: the trained model's scores on real text, by form.
    With --facts PATH: strict and lenient per-field accuracy of the facts of one-report events, errors by id."""
    from classifiers.corpus import DEFAULT_CORPUS_DIR, CorpusError
    from classifiers.evaluation import evaluate

    if facts is not None:
        evaluate_facts_command(as_json, facts)
        return
    if clustering or clustering_set is not None:
        evaluate_clustering_command(as_json, clustering_set)
        return
    if real:
        evaluate_real_command(real, model, as_json)
        return
    if threshold is None:  # score the model the way this deployment runs it
        threshold = settings_or_exit().model.abstain_threshold
    try:
        with console.status(f"{folds}-fold grouped cross-validation..."):
            report = evaluate(corpus or DEFAULT_CORPUS_DIR, folds=folds, threshold=threshold)
    except (CorpusError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    console.print(_metrics_table(report))
    console.print(_confusion_table(report))
    console.print(_targets_table(report))
    console.print(f"{len(report.errors)} misclassified items (see --json for the list)")


def evaluate_real_command(paths: list[Path], model_dir: Path | None, as_json: bool) -> None:
    """Each real-text file in turn; an absent file (the shared evaluation set is not on every machine) is skipped."""
    from classifiers.evaluation import evaluate_real

    present = [p for p in paths if p.is_file()]
    for path in paths:
        if path not in present:
            typer.echo(f"real-text file {path} not found: skipped")  # one plain line, never wrapped
    if not present:
        return
    classifier = load_classifier(model_dir)
    reports = []
    for path in present:
        try:
            reports.append(evaluate_real(classifier, path, classifier.version, classifier.abstain_threshold))
        except (OSError, ValueError) as exc:
            fail(f"cannot evaluate {path}: {exc}")
    if as_json:
        typer.echo(json.dumps({"real": [r.as_dict() for r in reports]}, indent=2))
        return
    for report in reports:
        console.print(report.as_table(), markup=False)


def evaluate_clustering_command(as_json: bool, path: Path | None = None) -> None:
    from bot.intel.clustering_eval import evaluate_clustering, evaluate_sets

    settings = settings_or_exit().events
    try:
        reports = evaluate_sets(settings) if path is None else [evaluate_clustering(path, settings)]
    except (OSError, ValueError) as exc:
        fail(f"cannot evaluate clustering: {exc}")
    if as_json:
        out = reports[0].as_dict() if path is not None else {"sets": [r.as_dict() for r in reports]}
        typer.echo(json.dumps(out, indent=2))
        return
    for report in reports:
        console.print(report.as_table())


def evaluate_facts_command(as_json: bool, path: Path) -> None:
    from bot.intel.facts_eval import evaluate_facts
    from bot.intel.gazetteer import Gazetteer, GazetteerError

    if not path.exists():  # the real-text files live outside the repository and may be absent
        console.print(f"skipped: no facts file at {path}")
        return
    settings = settings_or_exit()
    try:
        report = evaluate_facts(path, Gazetteer.load(settings.gazetteer_file))
    except (OSError, ValueError, KeyError, GazetteerError) as exc:
        fail(f"cannot evaluate facts: {exc}")
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, default=str))
        return
    console.print(report.as_table())
    for e in report.errors:
        console.print(f"{e['id']} {e['field']}: expected {e['gold']!r}, got {e['predicted']!r}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
