"""The import boundaries of DESIGN.md, checked on the source: only bot/discord imports discord; classifiers/
imports nothing from bot/; decisions and storage never import the Discord edge; no I/O at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offenders(package: str, forbidden: tuple[str, ...], allowed_under: str | None = None) -> list[str]:
    bad = []
    for path in modules(package):
        rel = path.relative_to(ROOT).as_posix()
        if allowed_under and rel.startswith(allowed_under):
            continue
        for name in imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{rel} imports {name}")
    return bad


def test_only_the_discord_edge_imports_discord():
    assert offenders("bot", ("discord",), allowed_under="bot/discord/") == []
    assert offenders("classifiers", ("discord",)) == []


def test_classifiers_import_nothing_from_bot():
    assert offenders("classifiers", ("bot",)) == []


def test_core_layers_do_not_reach_into_the_discord_edge():
    for package in ("bot/feeds", "bot/intel", "bot/publishing", "bot/storage"):
        assert offenders(package, ("bot.discord", "bot.service", "bot.cli")) == [], package


def test_importing_every_module_does_no_io_and_starts_nothing():
    """Import all of bot/ and classifiers/ in a fresh interpreter with no network, no settings file and no
    database: a module that reads config, opens a socket or connects at import time fails here."""
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in ("bot", "classifiers")
        for path in modules(package)
        if "migrations" not in path.parts
    ]
    names = [n.removesuffix(".__init__") for n in names]
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise RuntimeError('network at import time')\n"
        "socket.socket.connect = refuse\n"
        "socket.getaddrinfo = refuse\n"
        f"for name in {names!r}: __import__(name)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={"SITREP_CONFIG_DIR": "/nonexistent", "PATH": ""}, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stderr[-2000:]
