"""The classification step: `new` articles get a label from the model and move to `classified`."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.articles import articles_in_stage
from bot.storage.models import Article, Classification
from bot.storage.upsert import insert_ignoring_conflicts

if TYPE_CHECKING:
    from classifiers.model import Classifier, Prediction


async def classify_pending(
    sessions: async_sessionmaker[AsyncSession], classifier: Classifier, now: datetime, batch_size: int = 256,
    on_classified: Callable[[Article, Prediction], None] | None = None,
) -> Counter[str]:
    """Classify every `new` article in batches; inference runs in a thread so the event loop stays free.

    Each batch's labels and stage change commit together: a crash re-classifies at most one batch, and the
    unique (article, model version) key makes that harmless.
    """
    from classifiers.model import article_text

    labels: Counter[str] = Counter()
    while True:
        async with sessions() as session:
            articles = await articles_in_stage(session, "new", batch_size)
            if not articles:
                return labels
            texts = [article_text(a.title, a.summary) for a in articles]
            predictions = await asyncio.to_thread(classifier.predict, texts)
            rows = [
                {
                    "article_id": a.id,
                    "label": p.label,
                    "confidence": float(p.confidence),
                    "scores": {k: round(float(v), 4) for k, v in p.scores.items()},
                    "model_version": classifier.version,
                    "created_at": now,
                }
                for a, p in zip(articles, predictions, strict=True)
            ]
            await insert_ignoring_conflicts(session, Classification, rows)
            for article in articles:
                article.stage = "classified"
            await session.commit()
            labels.update(p.label for p in predictions)
            if on_classified is not None:
                for article, prediction in zip(articles, predictions, strict=True):
                    on_classified(article, prediction)
