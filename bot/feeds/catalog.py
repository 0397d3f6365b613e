"""The default feed list in config/feeds.toml, validated so a typo stops start-up with the entry named."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.feeds.normalize import canonical_url
from bot.storage.feeds import CatalogFeed


class CatalogError(ValueError):
    pass


class _Entry(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=200)
    url: str
    interval: int = Field(900, ge=60, le=86400)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if canonical_url(value) is None:
            raise ValueError("must be an http(s) URL")
        return value


def load_catalog(path: Path) -> list[CatalogFeed]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    feeds: list[CatalogFeed] = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("feed", []), start=1):
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise CatalogError(f"{path}: feed #{index} ({raw.get('name', '?')}): {problems}") from None
        if entry.url in seen:
            raise CatalogError(f"{path}: feed #{index} ({entry.name}): duplicate URL {entry.url}")
        seen.add(entry.url)
        feeds.append(CatalogFeed(entry.name, entry.url, entry.interval))
    return feeds
