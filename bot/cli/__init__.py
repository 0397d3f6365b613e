"""The `sitrep` command. Each area registers its subcommands from its own module."""

from __future__ import annotations

import typer

from bot.cli import db, evaluate, feeds, model, poll, run, timeline

app = typer.Typer(
    name="sitrep",
    help="sitrep: watches news feeds for militia attacks on US forces and US strikes on those militias, "
    "groups the reports of one incident into one event, and posts it to Discord with its timeline context.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in (run, poll, feeds, db, model, evaluate, timeline):
    module.register(app)


def main() -> None:
    app()
