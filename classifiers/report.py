"""Plain-text (Markdown) rendering of an EvaluationReport, for terminals and docs/model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from classifiers.corpus import LABELS

if TYPE_CHECKING:
    from classifiers.evaluation import Block, EvaluationReport


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _class_rows(block: Block, name: str) -> list[list[str]]:
    rows = []
    for label in LABELS:
        m = block.per_class[label]
        rows.append([name, label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"])])
    rows.append([name, "**macro**", "", "", f"**{block.macro_f1:.3f}**", str(block.n)])
    return rows


def _confusion(block: Block, title: str) -> list[str]:
    header = [f"{title}: true \\ predicted", *LABELS]
    rows = [[label, *map(str, counts)] for label, counts in zip(LABELS, block.confusion, strict=True)]
    return _table(header, rows)


def render_markdown(report: EvaluationReport) -> str:
    """Per-class P/R/F1 overall and by form, confusion matrices, false alarms and the targets, as Markdown."""
    lines = [
        f"Grouped {report.folds}-fold cross-validation (StratifiedGroupKFold on `incident`), "
        f"abstain threshold {report.threshold}.",
        "",
    ]
    rows = _class_rows(report.overall, "all")
    for form, block in report.by_form.items():
        rows += _class_rows(block, form)
    lines += _table(["slice", "label", "precision", "recall", "F1", "support"], rows)
    lines.append("")
    lines += _confusion(report.overall, "all")
    for form, block in report.by_form.items():
        lines.append("")
        lines += _confusion(block, form)
    lines.append("")
    fa_rows = [
        [name, str(v["n"]), str(v["false_alarms"]), f"{100 * v['rate']:.2f}%"]
        for name, v in report.false_alarms.items()
    ]
    lines += _table(["false alarms on", "items", "alarms", "rate"], fa_rows)
    lines.append("")
    target_rows = []
    for name, t in report.targets.items():
        verdict = "met" if t["met"] else f"MISSED by {abs(t['measured'] - t['target']):.3f}"
        target_rows.append([name, f"{t['target']}", f"{t['measured']:.4f}", verdict])
    lines += _table(["target", "goal", "measured", "verdict"], target_rows)
    return "\n".join(lines)
