"""`sitrep train`, `sitrep evaluate`, `sitrep classify`: the classifier from the command line."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.table import Table

from bot.cli.common import console, fail, settings_or_exit

CorpusOption = Annotated[
    Path | None,
    typer.Option("--corpus", help="Corpus directory (default: the repository's classifiers/data).", file_okay=False),
]
ModelDirOption = Annotated[
    Path | None, typer.Option("--model", help="Artifact directory (default: settings model.path).", file_okay=False)
]
BATCH = 256


# --- train -------------------------------------------------------------------------------------------------------


def merge_corrections(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One training item per distinct text: the label most people chose (the latest vote breaks a tie).

    Several team members may judge the same event; their verdicts should not all be trained on, least of all
    when they disagree.
    """
    votes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        votes.setdefault((row["title"], row["text"] or ""), []).append(row)
    merged = []
    for (title, text), group in votes.items():
        counts = Counter(r["label"] for r in group)
        top = max(counts.values())
        label = next(r["label"] for r in reversed(group) if counts[r["label"]] == top)
        merged.append({"id": str(group[0]["id"]), "title": title, "text": text, "label": label})
    return merged


async def read_corrections(database_url: str) -> list[dict[str, Any]]:
    """All label corrections, oldest first, as training items (bot.storage.corrections owns the query)."""
    from bot.storage.corrections import training_items
    from bot.storage.db import create_engine, session_factory

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await training_items(session)
    finally:
        await engine.dispose()


def corrections_from_store(database_url: str) -> list[dict[str, Any]]:
    """Corrections for training; none when the SQLite file does not exist yet (a fresh machine)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.db import is_sqlite

    if is_sqlite(database_url):
        database = make_url(database_url).database
        if not database or database == ":memory:" or not Path(database).exists():
            console.print("[dim]no database yet: training without label corrections[/]")
            return []
    try:
        rows = asyncio.run(read_corrections(database_url))
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot read label corrections ({exc.__class__.__name__}: {exc}); run `sitrep db upgrade`, "
             "or train without them: --no-corrections")
    return merge_corrections(rows)


def train_command(
    corpus: CorpusOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Artifact directory (default: settings model.path).", file_okay=False)
    ] = None,
    no_corrections: bool = typer.Option(False, "--no-corrections", help="Ignore label corrections in the store."),
) -> None:
    """Train the classifier on the corpus plus the team's label corrections, and write the versioned artifact."""
    from classifiers.corpus import DEFAULT_CORPUS_DIR, CorpusError
    from classifiers.training import train

    settings = settings_or_exit() if (out is None or not no_corrections) else None
    out_dir = out or settings.model.path  # type: ignore[union-attr]
    extra = [] if no_corrections else corrections_from_store(settings.database_url)  # type: ignore[union-attr]
    with console.status("training (grouped CV picks C, then the final fit)..."):
        try:
            meta = train(corpus or DEFAULT_CORPUS_DIR, out_dir, extra_items=extra)
        except CorpusError as exc:
            fail(str(exc))
    cv = meta["metrics"]
    forms = ", ".join(f"{k} {v:.3f}" for k, v in cv.get("macro_f1_by_form", {}).items())
    console.print(f"model [bold]{meta['version']}[/] written to {out_dir}")
    console.print(
        f"{meta['n_items']} items ({meta['n_corrections']} corrections), C={meta['params']['C']}, "
        f"{meta['n_features']} features, {meta['model_bytes'] / 1e6:.1f} MB, {meta['train_seconds']} s"
    )
    if cv:
        console.print(f"tuning CV macro-F1 {cv['macro_f1']:.3f} ({forms})")


# --- evaluate ----------------------------------------------------------------------------------------------------


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
    classifier = _load_classifier(model_dir)
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


# --- classify ----------------------------------------------------------------------------------------------------


def _load_classifier(model_dir: Path | None) -> Any:
    from classifiers.model import Classifier, ModelLoadError

    settings = settings_or_exit()
    try:
        return Classifier.load(model_dir or settings.model.path, abstain_threshold=settings.model.abstain_threshold)
    except ModelLoadError as exc:
        fail(str(exc))


def parse_jsonl_line(line: str) -> tuple[Any, str]:
    """(id, model input) from one input line; ValueError with a readable reason when the line is unusable."""
    from classifiers.model import article_text

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object with id, title, text")
    title, text = obj.get("title", ""), obj.get("text", "")
    if not isinstance(title, str) or not isinstance(text, str):
        raise ValueError("title and text must be strings")
    if not title.strip() and not text.strip():
        raise ValueError("both title and text are empty")
    return obj.get("id"), article_text(title, text)


def _batches(lines: Iterable[str], err: TextIO) -> Iterator[tuple[list[Any], list[str], int]]:
    """Valid (ids, texts) in batches; bad lines are reported on `err` and skipped. Yields the bad count so far."""
    ids: list[Any] = []
    texts: list[str] = []
    bad = 0
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            ident, text = parse_jsonl_line(line)
        except ValueError as exc:
            bad += 1
            print(f"line {lineno}: {exc}", file=err, flush=True)
            continue
        ids.append(ident)
        texts.append(text)
        if len(texts) >= BATCH:
            yield ids, texts, bad
            ids, texts = [], []
    yield ids, texts, bad


def classify_jsonl(classifier: Any, lines: Iterable[str], out: TextIO, err: TextIO) -> tuple[int, int]:
    """Classify JSON lines (`id`, `title`, `text`) in batches; return (classified, bad lines)."""
    done = bad = 0
    for ids, texts, bad_so_far in _batches(lines, err):
        bad = bad_so_far
        if not texts:
            continue
        for ident, pred in zip(ids, classifier.predict(texts), strict=True):
            scores = {k: round(v, 4) for k, v in pred.scores.items()}
            out.write(json.dumps({"id": ident, "label": pred.label, "scores": scores}, ensure_ascii=False) + "\n")
        out.flush()
        done += len(texts)
    return done, bad


def _print_single(classifier: Any, text: str, top: int) -> None:
    (pred,) = classifier.predict([text])
    abstained = pred.label == "other" and max(pred.scores, key=pred.scores.get) != "other"
    note = f" (abstained: below the {classifier.abstain_threshold} threshold)" if abstained else ""
    console.print(f"[bold]{pred.label}[/] {pred.confidence:.3f}{note}   model {classifier.version}")
    probs = Table(title="probabilities")
    probs.add_column("label")
    probs.add_column("p", justify="right")
    for label, p in sorted(pred.scores.items(), key=lambda kv: -kv[1]):
        probs.add_row(label, f"{p:.3f}")
    console.print(probs)
    terms = Table(title="terms that pushed it")
    for column in ("term", "towards", "weight"):
        terms.add_column(column, justify="right" if column == "weight" else "left")
    for term, label, weight in classifier.explain(text, k=top):
        terms.add_row(term, label, f"{weight:.3f}")
    console.print(terms)


def classify_command(
    text: str = typer.Argument(None, help="Text to classify (headline, optionally followed by the summary)."),
    jsonl: str = typer.Option(None, "--jsonl", help="Classify JSON lines (id, title, text) from FILE, or - for stdin."),
    model: ModelDirOption = None,
    top: int = typer.Option(8, "--top", min=1, help="How many explaining terms to show."),
) -> None:
    """Classify one text (label, probabilities, top terms), or JSON lines in bulk (one JSON line out per input).

    With --jsonl, a bad input line is reported on stderr with its line number and the rest still go through;
    the exit code is then 1.
    """
    if (text is None) == (jsonl is None):
        fail('give either a text or --jsonl FILE|- (e.g. sitrep classify "Rockets hit Ain al-Asad air base")')
    if jsonl is not None and jsonl != "-" and not Path(jsonl).is_file():
        fail(f"--jsonl: no such file {jsonl}")
    classifier = _load_classifier(model)
    if text is not None:
        if not text.strip():
            fail("the text is empty")
        _print_single(classifier, text, top)
        return
    if jsonl == "-":
        _, bad = classify_jsonl(classifier, sys.stdin, sys.stdout, sys.stderr)
    else:
        with open(jsonl, encoding="utf-8", errors="replace") as fh:
            _, bad = classify_jsonl(classifier, fh, sys.stdout, sys.stderr)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("classify")(classify_command)
