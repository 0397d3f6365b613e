from datetime import datetime

from bot.storage.models import Article, Classification


async def add_classified(session, key, title, text, published: datetime, label="militia_attack", confidence=0.9,
                         source="Wire A", url=None):
    art = Article(key=key, source=source, url=url or f"https://example.test/{key}", title=title, summary=text,
                  published_at=published, fetched_at=published, content_hash=key, stage="classified")
    session.add(art)
    await session.flush()
    session.add(Classification(article_id=art.id, label=label, confidence=confidence,
                               scores={label: confidence}, model_version="test-1", created_at=published))
    return art
