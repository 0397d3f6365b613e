"""Settings: one validated object built from `config/settings.toml` and `SITREP_*` environment variables.

Environment variables win over the TOML file; nested values use a double underscore
(`SITREP_POLL__MAX_BODY_BYTES=5000000`), and list settings take a comma-separated value or a JSON list
(`SITREP_POLL__ALLOW_PRIVATE=127.0.0.1,10.0.0.0/8`). A bad value, a misspelt `SITREP_*` variable or an unknown key in
the TOML file stops start-up with a message naming the setting (and the file), with a "did you mean" where one fits.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import tomllib
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("SITREP_CONFIG_DIR", PROJECT_ROOT / "config"))
# SITREP_* variables that are not settings, so not typos: read by this module, compose.yaml, the tests and CI.
OTHER_VARIABLES = frozenset({"SITREP_CONFIG_DIR", "SITREP_DB_HOST", "SITREP_TEST_PG_URL", "SITREP_SKIP_CONTAINER",
                             "SITREP_CI_FAKETIME_TESTS"})


def _comma_list(value: Any) -> Any:
    """A list setting from the environment: a JSON list, or a comma-separated value (`127.0.0.1,10.0.0.0/8`)."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list ({exc.msg}); write a comma-separated value instead") from None
    return [item.strip() for item in value.split(",") if item.strip()]


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
    # NoDecode: the environment's value reaches `_valid_networks` as text, so a comma-separated value works.
    allow_private: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Private hosts or networks that may be fetched, e.g. 127.0.0.1,10.0.0.0/8.")
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

    @field_validator("allow_private", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _comma_list(value)

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
    builtin_path: Path | None = Field(None, description="A model shipped with the image: installed into `path` "
                                      "at start when it is newer than the one installed last (the image sets it).")
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
    startup_wait_s: float = Field(120.0, ge=0, description="How long start-up waits for the database and Discord "
                                  "(retried with backoff) before it gives up.")
    max_feed_silence_s: int = Field(3600, ge=60, description="/healthz is degraded when no feed answered for this "
                                    "long (every feed failing: network, DNS or proxy trouble).")

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
    # Host and PID say where a process runs; the random part keeps ids unique where those repeat (containers
    # with host networking share the host name, and each is PID 1): a worker releases only its own leases.
    worker_id: str = Field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:8]}")

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
                hint = (f" (this process runs as uid {os.getuid()}: make the file readable by it, e.g. chown "
                        f"{os.getuid()} or chmod 644)" if isinstance(exc, PermissionError) else "")
                raise ValueError(f"discord_token_file: cannot read {self.discord_token_file}: {exc.strerror}{hint}"
                                 ) from None
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
    """Build and validate the settings, turning pydantic's report into one readable line per problem."""
    toml_path = Path(str(Settings.model_config.get("toml_file")))
    problems = unknown_variables(os.environ) + unknown_toml_keys(toml_path)
    if problems:
        raise SettingsError(_report(problems))
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"invalid settings: {toml_path}: not valid TOML: {exc}") from None
    except SourceError as exc:  # a value the environment source could not decode (JSON of a whole section)
        raise SettingsError(_report([_undecodable(exc)])) from None
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            env = "SITREP_" + "__".join(str(p) for p in err["loc"]).upper()
            set_by = _variable_setting(err["loc"])
            where = f"env {set_by}" if set_by else f"{toml_path} or env {env}"
            lines.append(f"{name} ({where}): {err['msg']}")
        raise SettingsError(_report(lines)) from None


def _report(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"invalid settings: {problems[0]}"
    return "invalid settings:\n" + "\n".join(f"  {p}" for p in problems)


def _variable_setting(loc: tuple[int | str, ...]) -> str | None:
    """The variable that set this setting (itself, or its section's JSON), None when it came from the file."""
    names = {k.upper() for k in os.environ}
    parts = [str(p).upper() for p in loc]
    for n in range(len(parts), 0, -1):
        if (name := "SITREP_" + "__".join(parts[:n])) in names:
            return name
    return None


def _undecodable(exc: SourceError) -> str:
    match = re.search(r'field "(\w+)"', str(exc))
    env = f"SITREP_{match.group(1).upper()}" if match else "a SITREP_* variable"
    cause = exc.__cause__ or exc.__context__
    reason = f" ({cause})" if cause else ""
    return (f"{env} is not valid JSON{reason}; write a JSON object such as {env}='{{\"key\": 1}}', "
            f"or set one key per variable ({env}__KEY=1)")


def setting_variables() -> dict[str, str]:
    """Every SITREP_* variable that sets something, with the setting it sets (`SITREP_POLL__TICK_SECONDS`:
    `poll.tick_seconds`; a whole section also takes JSON, `SITREP_POLL`)."""
    names: dict[str, str] = {}
    for field_name, info in Settings.model_fields.items():
        names[f"SITREP_{field_name.upper()}"] = field_name
        section = info.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            for key in section.model_fields:
                names[f"SITREP_{field_name.upper()}__{key.upper()}"] = f"{field_name}.{key}"
    return names


def _did_you_mean(word: str, candidates: list[str], prefix: str = "") -> str:
    """"; did you mean X?" for the closest candidate, compared without the prefix they all share."""
    by_rest = {c.removeprefix(prefix): c for c in candidates}
    close = difflib.get_close_matches(word.removeprefix(prefix), list(by_rest), n=1, cutoff=0.6)
    return f"; did you mean {by_rest[close[0]]}?" if close else ""


def unknown_variables(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """SITREP_* variables that set nothing: a typo here (SITREP_DISCORD_TOKN) would otherwise pass silently."""
    known = list(setting_variables())
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if upper.startswith("SITREP_") and upper not in known and upper not in OTHER_VARIABLES:
            hint = _did_you_mean(upper, known, "SITREP_") or " (no setting has that name)"
            problems.append(f"unknown variable {name}{hint}")
    return problems


def unknown_toml_keys(path: Path) -> list[str]:
    """Keys of the settings file that set nothing, named with the file and a "did you mean"."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []  # a missing file means defaults; a malformed one is reported when the settings are built
    problems = []
    top = list(Settings.model_fields)
    for key, value in data.items():
        if key not in Settings.model_fields:
            problems.append(f"{path}: unknown key {key!r}{_did_you_mean(key, top)}")
            continue
        section = Settings.model_fields[key].annotation
        if isinstance(value, dict) and isinstance(section, type) and issubclass(section, BaseModel):
            keys = list(section.model_fields)
            problems += [f"{path}: unknown key {inner!r} in [{key}]{_did_you_mean(inner, keys)}"
                         for inner in value if inner not in section.model_fields]
    return problems
