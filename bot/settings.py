"""Settings: one validated object built from `config/settings.toml` and `SITREP_*` environment variables.

Environment variables win over the TOML file; nested values use a double underscore
(`SITREP_POLL__MAX_BODY_BYTES=5000000`). A bad value stops start-up with a message naming the setting.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("SITREP_CONFIG_DIR", PROJECT_ROOT / "config"))


class _Section(BaseModel):
    # A misspelt key (`max_redirect = 3`, SITREP_POLL__MAX_REDIRECT) is an error, not a silently ignored line.
    model_config = ConfigDict(extra="forbid")


class PollSettings(_Section):
    tick_seconds: int = Field(30, ge=1, description="How often the scheduler looks for due feeds.")
    max_concurrency: int = Field(50, ge=1, le=1000, description="Feeds fetched at once.")
    per_host_concurrency: int = Field(2, ge=1, le=100, description="Requests at once to one host.")
    connect_timeout_s: float = Field(10.0, gt=0)
    total_timeout_s: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(10_000_000, ge=1024, description="A body past this is aborted.")
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = "sitrep/0.1 (+https://github.com/sitrep-bot/sitrep; news monitor)"
    # Hosts or networks (CIDR) that may be fetched although private/loopback: tests allow 127.0.0.1.
    allow_private: list[str] = Field(default_factory=list)
    max_article_age_hours: float = Field(48.0, gt=0, description="Older items are stored but never posted.")
    catch_up_hours: float = Field(
        12.0, ge=0,
        description="On a feed's first poll, items this recent are posted (a fresh start shows the latest "
        "incidents); older ones are its baseline. 0: a first poll posts nothing.",
    )
    backoff_base_s: int = Field(60, ge=1)
    backoff_max_s: int = Field(6 * 3600, ge=1)
    max_failures: int = Field(10, ge=1, description="Consecutive failures before a feed is disabled.")
    lease_seconds: int = Field(300, ge=10, description="How long a worker owns a claimed feed.")
    batch_size: int = Field(200, ge=1, description="Feeds claimed per tick.")

    @field_validator("allow_private")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                if not re.fullmatch(r"[A-Za-z0-9.-]+", item):
                    raise ValueError(f"{item!r} is neither a host name nor an IP network") from None
        return value


class ModelSettings(_Section):
    path: Path = Field(PROJECT_ROOT / "data" / "model", description="Directory of the model artifact.")
    abstain_threshold: float = Field(0.55, ge=0, le=1, description="Below this confidence a label is 'other'.")
    batch_size: int = Field(256, ge=1)


class EventSettings(_Section):
    window_hours: float = Field(72.0, gt=0, description="Reports this far apart can still be one incident.")
    similarity_threshold: float = Field(0.2, ge=0, le=1)
    min_confidence: float = Field(0.6, ge=0, le=1, description="Classifier confidence needed to post.")


class PublishSettings(_Section):
    burst_limit: int = Field(5, ge=1, description="More events than this in one window become one digest.")
    burst_window_s: int = Field(300, ge=1)
    digest_time: str | None = Field("18:00", description="Daily digest time, HH:MM UTC; empty = no digest.")
    max_attempts: int = Field(8, ge=1)
    console_channel_id: int = 0

    @field_validator("digest_time")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be HH:MM (24-hour clock, UTC)")
        return value


class ServiceSettings(_Section):
    role: Literal["all", "worker", "bot"] = "all"
    http_host: str = "0.0.0.0"  # noqa: S104 - a container must expose /healthz
    http_port: int = Field(8080, ge=0, le=65535, description="0 disables the health/metrics server.")
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention_days: int = Field(365, ge=1, description="Articles older than this that belong to no event are deleted.")
    retention_cron: str | None = Field("17 3 * * *", description="When the retention clean-up runs (cron, UTC); "
                                       "empty = never.")
    retrain_cron: str | None = Field(None, description="Cron expression for scheduled retraining, unset = never.")
    shutdown_timeout_s: float = Field(8.0, gt=0)

    @field_validator("retention_cron", "retrain_cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if not value:
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a 5-field cron expression ({exc})") from None
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SITREP_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=CONFIG_DIR / "settings.toml",
    )

    database_url: str = Field(
        f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'sitrep.db'}",
        description="sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db",
    )
    feeds_file: Path = CONFIG_DIR / "feeds.toml"
    gazetteer_file: Path = CONFIG_DIR / "gazetteer.toml"
    timeline_file: Path = CONFIG_DIR / "timeline.jsonl"
    discord_token: SecretStr | None = None
    discord_token_file: Path | None = None
    discord_guild_id: int | None = Field(None, description="Sync slash commands to this guild (instant).")
    # Another Discord API base and gateway (a local fake Discord in tests and the container check; a proxy).
    discord_api_base: str | None = Field(None, description="e.g. http://127.0.0.1:8999/api/v10; unset = Discord.")
    discord_gateway_url: str | None = Field(None, description="e.g. ws://127.0.0.1:8999/gateway/; unset = Discord.")
    worker_id: str = Field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")

    poll: PollSettings = PollSettings()
    model: ModelSettings = ModelSettings()
    events: EventSettings = EventSettings()
    publish: PublishSettings = PublishSettings()
    service: ServiceSettings = ServiceSettings()

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @model_validator(mode="after")
    def _token_from_file(self) -> Settings:
        # Docker secrets: the token lives in a file. Read it here so nothing else handles paths to secrets.
        if self.discord_token is None and self.discord_token_file is not None:
            try:
                token = self.discord_token_file.read_text().strip()
            except OSError as exc:
                raise ValueError(f"discord_token_file: cannot read {self.discord_token_file}: {exc.strerror}") from None
            self.discord_token = SecretStr(token) if token else None
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


class SettingsError(Exception):
    """Settings did not validate; the message names each bad setting and why."""


def load_settings(**overrides: object) -> Settings:
    """Build and validate the settings, turning pydantic's report into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as exc:
        path = Settings.model_config.get("toml_file")
        raise SettingsError(f"invalid settings: {path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            env = "SITREP_" + "__".join(str(p) for p in err["loc"]).upper()
            lines.append(f"  {name} (env {env}): {err['msg']}")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None
