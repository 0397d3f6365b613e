"""The classifier the bot uses: load once, predict in batches, explain a single text.

`predict` is CPU-bound (TF-IDF and a sparse matrix product); callers in async code run it in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers.artifact import ModelLoadError, load_artifact
from classifiers.corpus import LABELS, article_text
from classifiers.explain import explain_text
from classifiers.model_input import is_english, model_fields, model_matrix

__all__ = ["DEFAULT_ABSTAIN_THRESHOLD", "LABELS", "Classifier", "ModelLoadError", "Prediction", "article_text"]

DEFAULT_ABSTAIN_THRESHOLD = 0.55
# The bar for an alarm on text in another language. The corpus is almost all English, so on foreign text the
# model sees little beyond names and places, and its probabilities are less trustworthy: an alarm there needs
# more confidence (docs/model.md, "Text in other languages").
FOREIGN_ABSTAIN_THRESHOLD = 0.75
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Prediction:
    """One text's result. `confidence` is the probability of `label`; `scores` has every label's probability.

    When the most likely label is a positive class but its probability is below the abstain threshold (higher
    for text in another language), `label` is `other` and `confidence` is the probability of `other` (low, by
    construction): the model was unsure.
    """

    label: str
    confidence: float
    scores: dict[str, float]


class Classifier:
    """A trained pipeline plus its metadata and the abstain threshold."""

    def __init__(
        self, pipeline: Pipeline, metadata: dict[str, Any], abstain_threshold: float = DEFAULT_ABSTAIN_THRESHOLD
    ) -> None:
        if not 0.0 <= abstain_threshold <= 1.0:
            raise ValueError(f"abstain_threshold must be within [0, 1], got {abstain_threshold}")
        classes = [int(c) for c in pipeline.named_steps["clf"].classes_]
        if classes != list(range(len(LABELS))):
            raise ModelLoadError(f"model classes {classes} do not cover the labels {LABELS}", "corrupt")
        self.pipeline = pipeline
        self.metadata = metadata
        self.abstain_threshold = abstain_threshold

    @classmethod
    def load(cls, path: Path, abstain_threshold: float = DEFAULT_ABSTAIN_THRESHOLD) -> Classifier:
        """Load the artifact directory `path`; raise ModelLoadError when it is missing, corrupt or mismatched."""
        pipeline, metadata = load_artifact(Path(path))
        if tuple(metadata["labels"]) != LABELS:
            message = f"model labels {metadata['labels']} differ from {LABELS}; run `sitrep train`"
            raise ModelLoadError(message, "version")
        return cls(pipeline, metadata, abstain_threshold)

    @property
    def version(self) -> str:
        """Short model version (training date + hash of data and parameters), stored with every classification."""
        return str(self.metadata["version"])

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Probability matrix, one row per text, columns in LABELS order."""
        if isinstance(texts, str):
            raise TypeError("predict() takes a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        return self.pipeline.predict_proba(model_matrix(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify a batch of texts (build each with `article_text`)."""
        rows = self.probabilities(texts)
        return [self._decide(row, is_english(text)) for row, text in zip(rows, texts, strict=True)]

    def _decide(self, row: np.ndarray, english: bool = True) -> Prediction:
        scores = {label: float(p) for label, p in zip(LABELS, row, strict=True)}
        best = LABELS[int(np.argmax(row))]
        threshold = self.abstain_threshold if english else max(self.abstain_threshold, FOREIGN_ABSTAIN_THRESHOLD)
        if best != OTHER and scores[best] < threshold:
            best = OTHER
        return Prediction(label=best, confidence=scores[best], scores=scores)

    def explain(self, text: str, k: int = 8) -> list[tuple[str, str, float]]:
        """The `k` terms of `text` that pushed hardest, as (term, label it pushes towards, weight).

        Word n-grams appear as written (lower-cased); the character n-grams are credited to the words they came
        from, so "rockets" collects the weight of "rock", "ocke", "kets" and so on.
        """
        return explain_text(self.pipeline, model_fields(text), LABELS, k)
