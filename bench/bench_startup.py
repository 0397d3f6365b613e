"""Start-up benchmark: how long `sitrep feeds list` (a command that needs no model) takes from exec to exit.

    uv run python bench/bench_startup.py [--runs 15] [--command "feeds list"]

Runs the installed `sitrep` entry point against a migrated SQLite file in a temporary folder, N times, and
prints the wall time and the CPU time (user + system, of the child) of each run: min and median. CPU time is
the number to compare on a shared machine, where wall time also counts the time other processes had the cores.
A bare `python -c pass` is measured the same way as the floor.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SITREP = str(Path(sys.executable).with_name("sitrep"))


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one run of `args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(args: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    timed(args, env)  # warm the page cache and the bytecode cache once
    walls, cpus = zip(*(timed(args, env) for _ in range(runs)), strict=True)
    return {"wall_min": min(walls), "wall_median": statistics.median(walls),
            "cpu_min": min(cpus), "cpu_median": statistics.median(cpus)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--command", default="feeds list", help="the sitrep command to time")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
        env["SITREP_DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(tmp) / 'sitrep.db'}"
        subprocess.run([SITREP, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        rows = {
            "python -c pass": measure([sys.executable, "-c", "pass"], env, options.runs),
            f"sitrep {options.command}": measure([SITREP, *options.command.split()], env, options.runs),
        }
    print(f"{'command':<24} {'wall min':>9} {'wall med':>9} {'CPU min':>8} {'CPU med':>8}   ({options.runs} runs)")
    for name, r in rows.items():
        print(f"{name:<24} {r['wall_min']:>8.3f}s {r['wall_median']:>8.3f}s {r['cpu_min']:>7.3f}s "
              f"{r['cpu_median']:>7.3f}s")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
