"""Operator mistakes end in one line that names the cause and the fix, with a non-zero exit and no traceback."""

from __future__ import annotations

import asyncio
import socket

import pytest
import typer
from typer.testing import CliRunner

from bot.app import AppContext, StartupError
from bot.cli import app
from bot.cli.common import run_async
from bot.feeds.ssrf import AddressPolicy, BlockedAddressError
from bot.service.http import start_http
from bot.service.metrics import Metrics
from bot.settings import load_settings
from bot.storage.db import SCHEMA_HEAD, create_engine, current_revision, session_factory


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SITREP_DATABASE_URL", url)
    return url


def test_db_upgrade_to_an_unknown_revision_names_the_known_ones(db_url):
    line = one_line_error(CliRunner().invoke(app, ["db", "upgrade", "bogusrev"]))
    assert "unknown schema revision 'bogusrev'" in line and "0001, 0002, 0003, 0004" in line


def test_db_upgrade_never_claims_a_revision_it_did_not_reach(db_url):
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and f"schema at {SCHEMA_HEAD}" in result.output
    line = one_line_error(CliRunner().invoke(app, ["db", "upgrade", "0001"]))
    assert f"the database is at {SCHEMA_HEAD}, newer than 0001" in line and "downgrades are not supported" in line
    assert asyncio.run(current_revision(db_url)) == SCHEMA_HEAD  # untouched


def test_db_upgrade_step_by_step_reports_the_revision_reached(db_url):
    result = CliRunner().invoke(app, ["db", "upgrade", "0002"])
    assert result.exit_code == 0 and "schema at 0002" in result.output
    assert asyncio.run(current_revision(db_url)) == "0002"


def test_invalid_json_in_a_section_variable_is_one_line(db_url, monkeypatch):
    monkeypatch.setenv("SITREP_POLL", "{not json")
    line = one_line_error(CliRunner().invoke(app, ["feeds", "list"]))
    assert "SITREP_POLL is not valid JSON" in line


def test_a_misspelt_token_variable_stops_instead_of_running_in_console_mode(db_url, monkeypatch):
    monkeypatch.setenv("SITREP_DISCORD_TOKN", "secret")
    line = one_line_error(CliRunner().invoke(app, ["feeds", "list"]))
    assert "unknown variable SITREP_DISCORD_TOKN; did you mean SITREP_DISCORD_TOKEN?" in line
    assert "secret" not in line


def test_the_ssrf_refusal_names_the_setting_that_allows_the_host():
    with pytest.raises(BlockedAddressError) as error:
        AddressPolicy([]).check_literal("127.0.0.1")
    assert "poll.allow_private (SITREP_POLL__ALLOW_PRIVATE=127.0.0.1)" in str(error.value)
    AddressPolicy(load_settings(poll={"allow_private": "127.0.0.1"}).poll.allow_private).check_literal("127.0.0.1")


async def test_a_port_in_use_names_the_port_and_the_setting(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = load_settings(database_url=sqlite_url, service={"http_host": "127.0.0.1", "http_port": port})
        engine = create_engine(sqlite_url)
        ctx = AppContext(settings=settings, engine=engine, sessions=session_factory(engine))
        try:
            with pytest.raises(StartupError) as error:
                await start_http(ctx, Metrics(), "all", ctx.clock)
        finally:
            await engine.dispose()
    assert f"cannot listen on 127.0.0.1:{port}" in str(error.value) and "already in use" in str(error.value)
    assert "SITREP_SERVICE__HTTP_PORT" in str(error.value)


def test_a_startup_error_ends_the_command_with_one_line(capsys):
    async def start() -> None:
        raise StartupError("cannot listen on 0.0.0.0:8080 for /healthz and /metrics: already in use")

    with pytest.raises(typer.Exit) as exit_info:
        run_async(start())
    assert exit_info.value.exit_code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["error: cannot start: cannot listen on 0.0.0.0:8080 for /healthz and "
                                        "/metrics: already in use"]
