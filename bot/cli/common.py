"""Helpers the CLI modules share: settings loading with a readable error, the console."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from bot.settings import Settings, SettingsError, load_settings

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))
