"""The labelled corpus: loading, validation and a content hash.

The corpus lives in `classifiers/data/*.jsonl` (one JSON object per line). Every item carries an `incident` key so
that evaluation can keep all reports of one incident (or one topic) on the same side of a split.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

LABELS: tuple[str, ...] = ("militia_attack", "us_strike", "other")
FORMS: tuple[str, ...] = ("headline", "rss", "full")
REQUIRED_FIELDS: tuple[str, ...] = ("id", "label", "form", "style", "incident", "date", "title", "text")
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent / "data"
# The model reads at most this many characters of an input. The lead decides the label, and the char n-gram
# analyzer is linear in the text: a hostile or runaway 1 MB body would cost about a second. The longest corpus
# item is under 1,500 characters, so training and prediction see the same kind of text.
MAX_INPUT_CHARS = 10_000
# An RSS item: the headline and about this many characters of summary.
RSS_CHARS = 300
# Files in the data directory that are not classification items: the clustering sets (tuning, held-out) have
# another schema and are named clustering*.jsonl.
NOT_CORPUS_PREFIX = "clustering"


class CorpusError(ValueError):
    """The corpus (or a correction) is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled text."""

    id: str
    label: str
    form: str
    style: str
    incident: str
    date: str
    title: str
    text: str
    weight: float = 1.0


SEPARATOR = "\n\n"


def article_text(title: str, summary: str) -> str:
    """The model input for a feed item: the headline, a blank line, then the summary or body.

    The headline is the most informative part of a short item, so it always comes first; a missing summary gives
    a bare headline, which the corpus covers as its own form. The headline is one line, so the first blank line
    always separates it from the summary (`split_article_text`); an item without a headline starts with it.
    """
    title = " ".join((title or "").split())
    summary = (summary or "").strip()
    if not summary:
        return title
    return f"{title}{SEPARATOR}{summary}"


def split_article_text(text: str) -> tuple[str, str]:
    """(headline, summary) of a text built by `article_text`; a text typed without a blank line is a headline."""
    title, _, summary = text.partition(SEPARATOR)
    return title.strip(), summary.strip()


def item_text(item: Item) -> str:
    """The model input for a corpus item, built (and capped) exactly like a feed item's at prediction time."""
    return article_text(item.title, item.text)[:MAX_INPUT_CHARS]


def training_views(items: Sequence[Item]) -> list[Item]:
    """Every item, plus the shorter forms feeds deliver the same article in: a full article or RSS item also as
    its bare headline, and a full article also as an RSS item (headline plus its first `RSS_CHARS` characters).

    Every article has a headline, and aggregators and flashes often send nothing else: these views teach the
    headline and lead of every item on their own, not only of the items written as headlines. A view keeps its
    item's incident, so it stays on its item's side of a grouped split.
    """
    out: list[Item] = []
    for item in items:
        out.append(item)
        if item.form != "headline":
            out.append(replace(item, id=f"{item.id}#headline", form="headline", text=""))
        if item.form == "full":
            out.append(replace(item, id=f"{item.id}#rss", form="rss", text=item.text[:RSS_CHARS].strip()))
    return out


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The item files of a corpus directory, sorted so hashes and splits are reproducible."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus directory {corpus_dir} does not exist")
    files = sorted(p for p in corpus_dir.glob("*.jsonl") if not p.name.startswith(NOT_CORPUS_PREFIX))
    if not files:
        raise CorpusError(f"no *.jsonl corpus files in {corpus_dir}")
    return files


def parse_item(raw: object, where: str) -> Item:
    """Validate one decoded JSON line and build an Item; raise CorpusError naming `where` on any problem."""
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    if missing:
        raise CorpusError(f"{where}: missing field(s) {', '.join(missing)}")
    values = {f: raw[f] for f in REQUIRED_FIELDS}
    for name, value in values.items():
        if not isinstance(value, str):
            raise CorpusError(f"{where}: field {name!r} must be a string")
    if values["label"] not in LABELS:
        raise CorpusError(f"{where}: unknown label {values['label']!r} (expected one of {', '.join(LABELS)})")
    if values["form"] not in FORMS:
        raise CorpusError(f"{where}: unknown form {values['form']!r} (expected one of {', '.join(FORMS)})")
    if not values["title"].strip():
        raise CorpusError(f"{where}: empty title")
    if (values["form"] == "headline") != (not values["text"].strip()):
        raise CorpusError(f"{where}: form {values['form']!r} does not match the text (headlines have empty text)")
    return Item(**values)


def load_corpus(corpus_dir: Path = DEFAULT_CORPUS_DIR) -> list[Item]:
    """Read and validate every item file; raise CorpusError on a bad line or a duplicate id."""
    items: list[Item] = []
    seen: dict[str, str] = {}
    for path in corpus_files(corpus_dir):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: invalid JSON ({exc.msg})") from None
            item = parse_item(raw, where)
            if item.id in seen:
                raise CorpusError(f"{where}: duplicate id {item.id!r} (first in {seen[item.id]})")
            seen[item.id] = where
            items.append(item)
    return items


def correction_items(extra: Iterable[dict]) -> list[Item]:
    """Turn label corrections from the store (`title, text, label`, optional `id`) into training items.

    A correction is a real feed item judged by a person, the closest thing to the production distribution, so it
    counts double. Each one is its own incident group.
    """
    items = []
    for n, raw in enumerate(extra, start=1):
        where = f"correction #{n}"
        if not isinstance(raw, dict):
            raise CorpusError(f"{where}: expected a mapping with title, text, label")
        title, text, label = (raw.get("title") or ""), (raw.get("text") or ""), raw.get("label")
        if label not in LABELS:
            raise CorpusError(f"{where}: unknown label {label!r}")
        if not str(title).strip() and not str(text).strip():
            raise CorpusError(f"{where}: empty title and text")
        ident = str(raw.get("id", n)).removeprefix("correction-")
        form = "headline" if not str(text).strip() else ("rss" if len(str(text)) < 600 else "full")
        items.append(
            Item(
                id=f"correction-{ident}",
                label=label,
                form=form,
                style="correction",
                incident=f"correction-{ident}",
                date="",
                title=str(title),
                text=str(text),
                weight=2.0,
            )
        )
    return items


def data_hash(items: Sequence[Item]) -> str:
    """sha256 over the labelled content, independent of file layout and item order."""
    digest = hashlib.sha256()
    for item in sorted(items, key=lambda i: i.id):
        record = [item.id, item.label, item.form, item.incident, item.title, item.text, item.weight]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
