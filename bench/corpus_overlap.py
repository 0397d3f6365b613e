"""Check that no corpus item shares an 8-word sequence with the real evaluation texts in ../shared/eval.

    uv run python bench/corpus_overlap.py [--eval DIR] [--corpus DIR] [--n 8]

The real texts are for evaluation only: the corpus is written in our own words, so any shared run of eight words
(after lower-casing and dropping punctuation) is listed, with the corpus item and the eval record, and the exit
code is 1. Not a test: tests never read ../shared. Run it after adding corpus items.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifiers.corpus import DEFAULT_CORPUS_DIR, load_corpus

DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[k : k + n]) for k in range(len(words) - n + 1)}


def eval_shingles(folder: Path, n: int) -> dict[tuple[str, ...], str]:
    """Every n-word shingle of every title and text in the folder's JSONL files, mapped to one record naming it."""
    out: dict[tuple[str, ...], str] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                for shingle in shingles(f"{record.get('title', '')}\n{record.get('text', '')}", n):
                    out.setdefault(shingle, f"{path.name}:{record.get('id')}")
    return out


def overlaps(items: Iterable, seen: dict[tuple[str, ...], str], n: int) -> list[tuple[str, str, str]]:
    """(corpus id, eval record, shared words) for every corpus item with a shingle in `seen`."""
    found = []
    for item in items:
        for shingle in shingles(f"{item.title}\n{item.text}", n):
            if shingle in seen:
                found.append((item.id, seen[shingle], " ".join(shingle)))
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--n", type=int, default=8)
    args = parser.parse_args()
    if not args.eval.is_dir():
        print(f"evaluation folder {args.eval} not found: skipped")
        return
    items = load_corpus(args.corpus)
    found = overlaps(items, eval_shingles(args.eval, args.n), args.n)
    print(f"{len(items)} corpus items checked against {args.eval}: {len(found)} share a {args.n}-word sequence")
    for ident, record, words in found:
        print(f"  {ident}  ~ {record}: {words!r}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
