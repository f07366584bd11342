"""First contact: Prefect's temporary server and ``newsetl run`` in brand-new PREFECT_HOMEs, busy.

Each trial starts CPU-burning processes (``--burners``, default 1), then, in a new PREFECT_HOME:
times the temporary server's start alone (``flows.prefect_api.start_prefect_api`` in a fresh
process, from its call to the server's first answer), and, in another new PREFECT_HOME with a new
warehouse, the whole first ``newsetl run`` on the bundled samples as ``make run`` starts it.
``--write`` records the figures in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sections import FIRST_START, put_section
from flows.prefect_api import STARTUP_LIMIT_SECONDS, STARTUP_LIMIT_SETTING

REPO = Path(__file__).resolve().parents[1]
NEWSETL = Path(sys.executable).parent / "newsetl"
SERVER_START = (
    "import time; from flows.prefect_api import start_prefect_api; t = time.monotonic(); "
    "start_prefect_api(); print(time.monotonic() - t)"
)


def new_user_env(home: Path) -> dict[str, str]:
    """The environment of a new user: a new Prefect home, no server, no limit of their own."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"PREFECT_API_URL", STARTUP_LIMIT_SETTING}
    }
    return {**env, "PREFECT_HOME": str(home)}


def trial(folder: Path, burners: int) -> tuple[float, float]:
    """One trial: (server start seconds, first ``newsetl run`` wall seconds)."""
    burning = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
    try:
        server = subprocess.run(
            [sys.executable, "-c", SERVER_START],
            env=new_user_env(folder / "prefect-server"),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        started = time.perf_counter()
        subprocess.run(
            [str(NEWSETL), "run", "--warehouse", str(folder / "warehouse")],
            env=new_user_env(folder / "prefect-run"),
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        return float(server.stdout.split()[-1]), time.perf_counter() - started
    finally:
        for process in burning:
            process.kill()
            process.wait()


def main() -> None:
    """Measure, print (and with --write, record)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--burners", type=int, default=1, help="CPU-burning processes beside")
    parser.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    args = parser.parse_args()
    servers, runs, loads = [], [], []
    for number in range(args.trials):
        with tempfile.TemporaryDirectory(prefix="newsetl-first-start-") as folder:
            loads.append(os.getloadavg()[0])
            server, run = trial(Path(folder), args.burners)
        servers.append(server)
        runs.append(run)
        print(f"trial {number + 1}: server started in {server:.1f} s, first run {run:.1f} s")

    def figures(values: list[float]) -> str:
        listed = ", ".join(f"{value:.1f}" for value in values)
        return f"{statistics.median(values):.1f} s ({listed})"

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"{FIRST_START}\n\n"
        f"`python -m bench.first_start --trials {args.trials} --burners {args.burners} --write`, "
        f"written {now}: each trial in brand-new PREFECT_HOMEs with {args.burners} CPU-burning "
        f"process(es) beside it. Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {min(loads):.1f} to {max(loads):.1f} at the "
        "trials' starts (the machine is shared with other engineers' work, so these are upper "
        f"bounds). newsetl gives the temporary server {STARTUP_LIMIT_SECONDS} s to start "
        "(Prefect's own limit is 20 s).\n\n"
        "| figure | median (trials) |\n|---|---|\n"
        f"| temporary server start, new PREFECT_HOME | {figures(servers)} |\n"
        f"| first `newsetl run` on the samples, wall | {figures(runs)} |\n"
    )
    print(section)
    if args.write:
        put_section(REPO / "BENCHMARKS.md", FIRST_START, section)


if __name__ == "__main__":
    main()
