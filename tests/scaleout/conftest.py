from __future__ import annotations

from pathlib import Path

import pytest

from tests.scaleout.harness import trained_model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's real model, trained once per machine and corpus (shared by xdist workers via a lock)."""
    return trained_model(tmp_path_factory.getbasetemp().parent)
