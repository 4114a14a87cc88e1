"""Crash injection: a child process records runs and is killed (SIGKILL) at random moments,
over and over, on the same library; after every kill the library is opened again and checked.

    python -m tests.core.library.crash_campaign --cycles 200 [--seed N] [--folder PATH]

prints ``runs N, kills K, acknowledged A, lost L`` (L must be 0). Checked after every kill:
every run and result the child acknowledged is there, every listed result file is complete
(its sha256 is the one the child printed), no run is left "running", no file that is not a
listed result sits in a run folder, and the staging folder is empty.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.library import Library, Outcome

ROOT = Path(__file__).resolve().parents[3]
CHILD = "tests.core.library.crash_child"
STARTUP_KILL_CHANCE = 0.2  # share of kills aimed at start-up (import, open, recovery)
MAX_DELAY = 0.3  # seconds of recording before the kill


@dataclass
class Figures:
    cycles: int = 0
    runs: int = 0
    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"runs {self.runs}, kills {self.kills}, acknowledged {self.acknowledged}, "
            f"lost {self.lost}"
        )


def check_library(folder: Path, runs: set[str], acked: dict[str, str]) -> tuple[int, list[str]]:
    """Opens the library as the app would after a crash; returns (results lost, problems)."""
    lost = 0
    problems: list[str] = []
    with Library.open(folder) as library:
        staging = sorted(os.listdir(folder / ".staging"))
        if staging:
            problems.append(f"staging files left after open: {staging}")
        for result_id, digest in acked.items():
            stored = library.result(result_id)
            try:
                intact = stored is not None and _sha256(stored.path) == digest
            except OSError:
                intact = False
            if not intact:
                lost += 1
                problems.append(f"acknowledged result {result_id} lost or damaged")
        for run_id in sorted(runs):
            record = library.run(run_id)
            if record is None:
                problems.append(f"acknowledged run {run_id} is missing")
                continue
            if record.outcome is Outcome.RUNNING:
                problems.append(f"run {run_id} is still running after open")
            for result in record.results:
                try:
                    ok = _sha256(result.path) == result.sha256
                except OSError:
                    ok = False
                if not ok:
                    problems.append(f"listed result {result.id} is partial or missing")
            folder_names = {p.name for p in _files_of_run(folder, run_id)}
            listed = {result.path.name for result in record.results} | {"run.json"}
            if folder_names - listed:
                problems.append(f"unlisted files in run {run_id}: {folder_names - listed}")
    return lost, problems


def _files_of_run(folder: Path, run_id: str) -> list[Path]:
    month = f"{run_id[:4]}-{run_id[4:6]}"
    path = folder / "runs" / month / run_id
    return list(path.iterdir()) if path.is_dir() else []


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_campaign(
    folder: Path,
    *,
    cycles: int,
    seed: int = 0,
    startup_kill_chance: float = STARTUP_KILL_CHANCE,
    child_env: dict[str, str] | None = None,
) -> Figures:
    rng = random.Random(seed)
    figures = Figures()
    runs: set[str] = set()
    acked: dict[str, str] = {}
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(child_env or {}))
    for cycle in range(cycles):
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD, str(folder), str(seed * 100_000 + cycle)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        if rng.random() < startup_kill_chance:
            time.sleep(rng.uniform(0.0, 0.15))
        else:
            child.stdout.readline()  # "ready": the library is open, recording starts now
            time.sleep(rng.uniform(0.0, MAX_DELAY))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            figures.kills += 1
        out, err = child.communicate(timeout=30)
        if child.returncode != -signal.SIGKILL:
            figures.problems.append(f"child ended by itself ({child.returncode}): {err[-800:]}")
        for line in out.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "run":
                runs.add(rest)
                figures.runs += 1
            elif kind == "ack":
                result_id, digest = rest.split()
                acked[result_id] = digest
                figures.acknowledged += 1
        lost, problems = check_library(folder, runs, acked)
        figures.lost = max(figures.lost, lost)  # acknowledged results are checked every cycle
        figures.problems.extend(f"cycle {cycle}: {p}" for p in problems)
        figures.cycles += 1
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, help="library folder (default: a temporary one)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.folder is not None:
        figures = run_campaign(args.folder, cycles=args.cycles, seed=args.seed)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            figures = run_campaign(Path(temporary), cycles=args.cycles, seed=args.seed)
    for problem in figures.problems[:20]:
        print(problem)
    print(f"{figures.summary()} ({figures.cycles} cycles, {time.perf_counter() - started:.1f} s)")
    return 0 if figures.lost == 0 and not figures.problems else 1


if __name__ == "__main__":
    sys.exit(main())
