"""`sitrep train` and `sitrep classify`: the classifier from the command line (`sitrep evaluate`: evaluate.py)."""

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

from bot.cli.common import CorpusOption, ModelDirOption, console, fail, load_classifier, settings_or_exit

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


# --- classify ----------------------------------------------------------------------------------------------------


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
    classifier = load_classifier(model)
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
    app.command("classify")(classify_command)
