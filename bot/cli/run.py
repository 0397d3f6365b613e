"""`sitrep run`: the service."""

from __future__ import annotations

import typer

from bot.cli.common import run_async, settings_or_exit


def run_command(
    role: str = typer.Option(None, help="all (default): everything; worker: poll, classify, build events; "
                             "bot: Discord connection and outbox. Overrides SITREP_SERVICE__ROLE."),
) -> None:
    """Run sitrep: poll on a schedule, classify, group into events, post. Without a Discord token, posts are
    printed to the console. Stops cleanly on Ctrl-C or SIGTERM."""
    from bot.service.logs import configure_logging
    from bot.service.runtime import serve

    settings = settings_or_exit()
    if role is not None and role not in ("all", "worker", "bot"):
        raise typer.BadParameter("must be all, worker or bot", param_hint="--role")
    token = settings.discord_token.get_secret_value() if settings.discord_token else None
    configure_logging(settings.service, secrets=[token] if token else [])
    run_async(serve(settings, role=role))


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
