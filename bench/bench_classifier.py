"""Classifier benchmark: training time, artifact size, load time, batch throughput and single-item latency.

    uv run python bench/bench_classifier.py [--model DIR] [--items N] [--json]

Without --model it trains on the repository corpus (the same call `sitrep train` makes, C search included) into
a temporary directory and times that. Prediction runs on one core (one BLAS thread, one Python thread), so the
items/s figure is per core; the target is >= 1000 RSS-length items/s per core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from threadpoolctl import threadpool_limits

from classifiers.corpus import DEFAULT_CORPUS_DIR, item_text, load_corpus
from classifiers.model import Classifier
from classifiers.training import train


def rss_texts(n: int) -> list[str]:
    """`n` model inputs built from the corpus's RSS-form items (headline + one or two sentences), cycled."""
    rss = [item_text(i) for i in load_corpus(DEFAULT_CORPUS_DIR) if i.form == "rss"]
    return [rss[k % len(rss)] for k in range(n)]


def bench_batch(classifier: Classifier, texts: list[str], batch: int = 256, rounds: int = 3) -> float:
    """Best-of-`rounds` items/s, predicting in batches of `batch` like the bot's classification step."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for k in range(0, len(texts), batch):
            classifier.predict(texts[k : k + batch])
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def bench_single(classifier: Classifier, texts: list[str]) -> tuple[float, float]:
    """p50 and p95 latency in milliseconds of predict([one text])."""
    times = []
    for text in texts:
        started = time.perf_counter()
        classifier.predict([text])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def run(model: Path | None, n_items: int) -> dict:
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_1m": os.getloadavg()[0],  # the dev machine is shared: say how busy it was
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = model
        if model_dir is None:
            model_dir = Path(tmp) / "model"
            started = time.perf_counter()
            meta = train(DEFAULT_CORPUS_DIR, model_dir)
            results["train_s"] = time.perf_counter() - started
            results["train_items"] = meta["n_items"]
        started = time.perf_counter()
        classifier = Classifier.load(model_dir)
        results["load_s"] = time.perf_counter() - started
        results["artifact_bytes"] = sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file())
        results["n_features"] = classifier.metadata.get("n_features")
        texts = rss_texts(n_items)
        results["rss_mean_chars"] = sum(map(len, texts)) / len(texts)
        with threadpool_limits(limits=1):
            classifier.predict(texts[:256])  # warm-up: first call builds caches
            results["batch_items_per_s"] = bench_batch(classifier, texts)
            p50, p95 = bench_single(classifier, texts[:500])
        results["single_p50_ms"], results["single_p95_ms"] = p50, p95
    return results


def table(results: dict) -> Table:
    out = Table(title=f"classifier benchmark ({results['machine']}, load average {results['load_average_1m']:.1f})")
    out.add_column("measure")
    out.add_column("value", justify="right")
    out.add_column("target", justify="right")
    if "train_s" in results:
        out.add_row(f"training time ({results['train_items']} items, C search incl.)", f"{results['train_s']:.1f} s",
                    "< 60 s")
    out.add_row("artifact size (model + metadata)", f"{results['artifact_bytes'] / 1e6:.2f} MB", "")
    out.add_row("features", str(results["n_features"]), "")
    out.add_row("load time", f"{results['load_s'] * 1000:.0f} ms", "")
    out.add_row(f"batch prediction, RSS items (mean {results['rss_mean_chars']:.0f} chars), 1 core",
                f"{results['batch_items_per_s']:.0f} items/s", ">= 1000/s")
    out.add_row("single-item latency p50", f"{results['single_p50_ms']:.2f} ms", "")
    out.add_row("single-item latency p95", f"{results['single_p95_ms']:.2f} ms", "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="Use this artifact directory instead of training one.")
    parser.add_argument("--items", type=int, default=5000, help="RSS items for the throughput run.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args()
    results = run(args.model, args.items)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        Console().print(table(results))


if __name__ == "__main__":
    main()
