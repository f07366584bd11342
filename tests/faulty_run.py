"""``python -m tests.faulty_run [--faults RULES] [--kill-at STEP] [--count-dir DIR] -- ARGS``.

Runs the ``newsetl`` command line with ARGS, its warehouse writing through
:class:`tests.faulty_storage.FaultyStorage`: how the crash and fault tests start a run that is
killed at a publish step or fails where its rules say.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import warehouse.storage
from flows.cli import main as newsetl
from tests.faulty_storage import FaultyStorage


def main(argv: Sequence[str]) -> int:
    """Run newsetl with ``argv`` after ``--``, through a faulty storage; its exit code."""
    parser = argparse.ArgumentParser(prog="python -m tests.faulty_run")
    parser.add_argument("--faults", default="", help="fault rules (tests/faulty_storage.py)")
    parser.add_argument("--kill-at", default=None, help="publish step to die at")
    parser.add_argument("--count-dir", default=None, help="folder counting transient faults")
    parser.add_argument("newsetl", nargs=argparse.REMAINDER, help="-- then newsetl's arguments")
    args = parser.parse_args(argv)
    arguments = args.newsetl[1:] if args.newsetl[:1] == ["--"] else args.newsetl
    warehouse.storage.DEFAULT = FaultyStorage(args.faults, args.kill_at, args.count_dir)
    return newsetl(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
