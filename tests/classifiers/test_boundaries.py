"""`classifiers` stands alone: it imports nothing from `bot` (nor discord), statically or at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import classifiers

PACKAGE = Path(classifiers.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_imports_bot_or_discord():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 5
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(m for m in _imported_modules(f) if m.split(".")[0] in ("bot", "discord"))
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_package_loads_no_bot_module():
    code = (
        "import sys, classifiers.model, classifiers.training, classifiers.evaluation, classifiers.tuning\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('bot', 'discord'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
