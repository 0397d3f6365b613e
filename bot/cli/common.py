"""Helpers the CLI modules share: settings loading with a readable error, the console."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from bot.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    # soft_wrap: a long path stays one piece that can be copied, not folded at the terminal width.
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run for a command. A bad data file or endpoint (model, gazetteer, seed timeline, feeds catalogue,
    Discord endpoints) ends the command with one line naming the file and the problem, not a traceback."""
    from bot.app import StartupError
    from bot.discord.endpoint import EndpointError
    from bot.feeds.catalog import CatalogError
    from bot.intel.gazetteer import GazetteerError
    from bot.intel.seed import SeedError
    from bot.service.errors import ServiceFailed
    from classifiers.errors import ModelLoadError

    try:
        return asyncio.run(main)
    except (ModelLoadError, GazetteerError, SeedError, CatalogError, EndpointError, StartupError) as exc:
        fail(f"cannot start: {exc}")
    except ServiceFailed as exc:
        fail(f"stopped: {exc}")


CorpusOption = Annotated[
    Path | None,
    typer.Option("--corpus", help="Corpus directory (default: the repository's classifiers/data).", file_okay=False),
]
ModelDirOption = Annotated[
    Path | None, typer.Option("--model", help="Artifact directory (default: settings model.path).", file_okay=False)
]


def load_classifier(model_dir: Path | None) -> Any:
    from classifiers.model import Classifier, ModelLoadError

    settings = settings_or_exit()
    try:
        return Classifier.load(model_dir or settings.model.path, abstain_threshold=settings.model.abstain_threshold)
    except ModelLoadError as exc:
        fail(str(exc))
