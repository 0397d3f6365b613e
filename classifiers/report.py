"""Plain-text (Markdown) rendering of an EvaluationReport, for terminals and docs/model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from classifiers.corpus import LABELS

if TYPE_CHECKING:
    from classifiers.evaluation import Block, EvaluationReport, RealReport


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
    lines += _targets(report.targets)
    return "\n".join(lines)


def _targets(targets: dict[str, Any]) -> list[str]:
    rows = []
    for name, t in targets.items():
        verdict = "met" if t["met"] else f"MISSED by {abs(t['measured'] - t['target']):.3f}"
        rows.append([name, f"{t['target']}", f"{t['measured']:.4f}", verdict])
    return _table(["target", "goal", "measured", "verdict"], rows)


def render_real_markdown(report: RealReport) -> str:
    """A real-text file's scores by form, confusion, false alarms by tag, the set-apart items and the errors."""
    from classifiers.evaluation import REAL_FORMS, SET_APART_TAG

    lines = [
        f"Real text `{report.path}`: {report.n} items scored, {report.n_apart} `{SET_APART_TAG}` items apart; "
        f"model {report.model_version or '?'}, abstain threshold {report.threshold}.",
        "",
    ]
    rows = [row for form in REAL_FORMS for row in _class_rows(report.by_form[form], form)]
    lines += _table(["form", "label", "precision", "recall", "F1", "support"], rows)
    for form in REAL_FORMS:
        lines.append("")
        lines += _confusion(report.by_form[form], form)
    lines.append("")
    fa_rows = [
        [tag, str(cells["full"]["n"]), *(str(cells[form]["alarms"]) for form in REAL_FORMS)]
        for tag, cells in report.false_alarms_by_tag.items()
    ]
    fa_rows.append(["**all other**", str(report.by_form["full"].per_class["other"]["support"]),
                    *(f"{100 * report.false_alarm_rate(form):.1f}%" for form in REAL_FORMS)])
    lines += _table(["false alarms on `other` tagged", "items", *REAL_FORMS], fa_rows)
    if report.n_apart:
        lines.append("")
        apart_rows = [[form, *(str(report.apart[form][label]) for label in LABELS)] for form in REAL_FORMS]
        lines += _table([f"`{SET_APART_TAG}` (all `other`): predicted", *LABELS], apart_rows)
    lines.append("")
    lines += _targets(report.targets)
    lines.append("")
    error_rows = [[e["id"], e["form"], e["label"], e["predicted"], e["headline"].replace("|", "/")]
                  for e in report.errors]
    lines += _table(["error id", "form", "true", "predicted", "headline"], error_rows)
    return "\n".join(lines)
