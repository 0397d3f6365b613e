"""False alarms on real, ordinary news: classify every item of the real feed snapshots in ../shared/feeds/real-news
(BBC, NYT, NPR, Google News searches and others; not in the repository) and list what the model calls positive.

    uv run python bench/false_alarms_real_news.py [--model DIR] [FOLDER]

These feeds are ordinary world news, so nearly every positive is a false alarm; the script prints them so a
person can check the few that might be real.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.feeds.parse import ParseError, parse_feed
from bot.settings import load_settings
from classifiers.model import Classifier, article_text
from classifiers.training import ensure_model

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "feeds" / "real-news"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.exit(2, f"{args.folder}: no such folder. The feed snapshots live outside the repository (on the "
                       "project machines in ../shared/feeds); pass the folder that holds them\n")
    settings = load_settings()
    model_dir = args.model or settings.model.path
    ensure_model(model_dir)
    classifier = Classifier.load(model_dir, abstain_threshold=settings.model.abstain_threshold)
    items = []
    for path in sorted(args.folder.iterdir()):
        try:
            parsed = parse_feed(path.read_bytes(), path.name, datetime.now(UTC))
        except ParseError:
            continue
        items += [(path.name, a.title, a.summary) for a in parsed.articles]
    predictions = classifier.predict([article_text(title, summary) for _, title, summary in items])
    labels = Counter(p.label for p in predictions)
    positives = [(p, item) for p, item in zip(predictions, items, strict=True) if p.label != "other"]
    print(f"{len(items)} items from {args.folder}: {dict(labels)}")
    print(f"positive rate: {len(positives) / max(1, len(items)):.2%} (model {classifier.version})")
    for p, (feed, title, _summary) in positives:
        print(f"  {p.label:<15} {p.confidence:.2f}  {title[:100]}  [{feed[:40]}]")


if __name__ == "__main__":
    main()
