"""Scheduled retraining end to end on a small corpus: the child-process entry point trains a candidate,
keeps it when it is not worse, and throws it away (keeping the current model) when it is."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.service.retrain import retrain_if_not_worse
from classifiers.artifact import read_metadata

PLACES = ["Ain al-Asad", "Erbil", "Tower 22", "al-Tanf", "Harir", "Baghdad airport"]
TEXTS = {
    "militia_attack": ["Drones launched at US troops at {p}; a militia front claims the attack",
                       "Rockets fall near the base at {p} housing American forces, militants claim responsibility"],
    "us_strike": ["US aircraft bomb militia depots near {p} in retaliation",
                  "American jets strike Iran-backed group facilities around {p}, Pentagon says"],
    "other": ["Farmers near {p} report a good wheat harvest this spring",
              "Local council near {p} opens a new school and a clinic"],
}


def small_corpus(folder) -> None:
    folder.mkdir()
    for label, templates in TEXTS.items():
        lines = []
        for n, place in enumerate(PLACES):
            for k, template in enumerate(templates):
                lines.append(json.dumps({
                    "id": f"{label}-{n}-{k}", "label": label, "form": "headline", "style": "wire",
                    "incident": f"{label}-{n}", "date": f"2024-01-{n + 1:02d}",
                    "title": template.format(p=place), "text": ""}))
        (folder / f"{label}.jsonl").write_text("\n".join(lines) + "\n")


def test_retrain_keeps_a_not_worse_model_and_discards_a_worse_one(tmp_path):
    corpus, model = tmp_path / "corpus", tmp_path / "model"
    small_corpus(corpus)
    corrections = [{"title": "Militia drones hit the airfield at Harir overnight", "text": "",
                    "label": "militia_attack"}]
    first = retrain_if_not_worse(model, corrections, corpus)
    assert first.kept and first.old is None and (model / "metadata.json").exists()

    # The in-use model claims a CV score no candidate can reach: the candidate must be thrown away.
    meta_path = model / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["metrics"]["macro_f1"] = 1.5
    meta_path.write_text(json.dumps(meta))
    worse = retrain_if_not_worse(model, corrections, corpus)
    assert not worse.kept and "cv_macro_f1" in worse.reason
    assert read_metadata(model)["metrics"]["macro_f1"] == 1.5  # untouched
    assert not (tmp_path / "model.candidate").exists()

    # Back to an honest score: the same data trains an equal model, which is "not worse" and swapped in.
    meta["metrics"]["macro_f1"] = first.new.cv_macro_f1
    meta_path.write_text(json.dumps(meta))
    corrections_file = tmp_path / "corrections.json"
    corrections_file.write_text(json.dumps(corrections))
    child = subprocess.run([sys.executable, "-m", "bot.service.retrain", str(model), str(corrections_file),
                            "--corpus", str(corpus)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["kept"] is True
    assert (tmp_path / "model.previous" / "metadata.json").exists()
