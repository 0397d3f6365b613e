from pathlib import Path

import pytest

from bot.intel.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def gz() -> Gazetteer:
    return Gazetteer.load(ROOT / "config" / "gazetteer.toml")
