"""Start-up: the seed timeline is in the store before the first post, and bad data files stop `sitrep run` with
one clear line instead of a traceback."""

from __future__ import annotations

import logging
import shutil

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.app import open_context
from bot.cli import app
from bot.intel.seed import read_timeline
from bot.settings import load_settings
from bot.storage.models import Event


@pytest.fixture(autouse=True)
def keep_root_logging():
    """`sitrep run` configures logging onto CliRunner's stream, which is closed after the invoke: put the root
    logger back so later tests do not log into a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def seeded(ctx) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).where(Event.origin == "seed")) or 0)


async def test_every_start_seeds_the_timeline_once(tmp_path, shared_model_dir):
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}",
                             model={"path": shared_model_dir})
    expected = len(read_timeline(settings.timeline_file))
    assert expected >= 40
    async with open_context(settings, http=False) as ctx:
        assert await seeded(ctx) == expected
    async with open_context(settings, http=False) as ctx:  # a restart adds nothing
        assert await seeded(ctx) == expected


@pytest.mark.parametrize("broken", ["model", "gazetteer", "timeline"])
def test_bad_data_files_stop_run_with_one_clear_line(tmp_path, monkeypatch, shared_model_dir, broken):
    model_dir = tmp_path / "model"
    shutil.copytree(shared_model_dir, model_dir)
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db'}")
    monkeypatch.setenv("SITREP_MODEL__PATH", str(model_dir))
    if broken == "model":
        (model_dir / "model.skops").write_bytes(b"not a model")
        expected = "does not match the sha256"
    elif broken == "gazetteer":
        (tmp_path / "gazetteer.toml").write_text("[groups.kh]\nname = 1\n")
        monkeypatch.setenv("SITREP_GAZETTEER_FILE", str(tmp_path / "gazetteer.toml"))
        expected = "must be an array of tables"
    else:
        (tmp_path / "timeline.jsonl").write_text('{"seed_key": "x", "date": "2024-13-01", "kind": "us_strike", '
                                                 '"title": "t", "source": "https://example.test"}\n')
        monkeypatch.setenv("SITREP_TIMELINE_FILE", str(tmp_path / "timeline.jsonl"))
        expected = "is not YYYY-MM-DD"
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2, result.output
    assert "cannot start:" in result.output and expected in result.output
    assert "Traceback" not in result.output


def test_every_command_names_a_missing_feeds_file_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db'}")
    monkeypatch.setenv("SITREP_FEEDS_FILE", str(tmp_path / "missing.toml"))
    for command in (["poll", "--once"], ["feeds", "list"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert "cannot start:" in result.output and "missing.toml" in result.output
        assert "Traceback" not in result.output
