"""The README's example output of ``make run``: the one place the expected seed rows are written.

The CLI tests and ``.ci/run`` read the rows from the README, so that the README cannot drift from
what newsetl prints. ``python -m tests.readme OUTPUT`` checks that a saved ``make run`` output
shows the README's table.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
# The query ``make run`` prints (see the Makefile), whose columns head the README's example table.
SEED_QUERY = "select published_date, publisher, agency, title from articles order by 1"
COLUMNS = ("published_date", "publisher", "agency", "title")
FENCED_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def expected_table(readme: Path = README) -> list[str]:
    """The lines of the README's example table (header to row count), trailing spaces cut."""
    for block in FENCED_BLOCK.findall(readme.read_text(encoding="utf-8")):
        lines = [line.rstrip() for line in block.strip("\n").splitlines()]
        if lines and [cell.strip() for cell in lines[0].split("|")] == list(COLUMNS):
            return lines
    raise LookupError(f"{readme} has no example table headed {' | '.join(COLUMNS)}")


def expected_seed_articles(readme: Path = README) -> list[tuple[str | None, ...]]:
    """The README's example rows as values (published_date, publisher, agency, title)."""
    lines = expected_table(readme)
    rows = []
    for line in lines[2:-1]:
        cells = [cell.strip() for cell in line.split(" | ")]
        assert len(cells) == len(COLUMNS), line
        assert not any(cell.endswith("…") for cell in cells), f"a cut cell: {line}"
        rows.append(tuple(None if cell == "NULL" else cell for cell in cells))
    assert lines[-1] == f"({len(rows)} rows)", lines[-1]
    return rows


def shows_expected_table(output: str, readme: Path = README) -> bool:
    """Whether ``output`` has the README's example table, line for line."""
    expected = expected_table(readme)
    printed = [line.rstrip() for line in output.splitlines()]
    return any(
        printed[start : start + len(expected)] == expected
        for start in range(len(printed) - len(expected) + 1)
    )


def main(argv: list[str]) -> int:
    """Check a saved ``make run`` output against the README; 0 if it shows the table."""
    [path] = argv
    output = Path(path).read_text(encoding="utf-8")
    if shows_expected_table(output):
        print(f"make run printed the README's {len(expected_seed_articles())} seed articles")
        return 0
    expected = "\n".join(expected_table())
    print(f"make run did not print the README's table:\n{expected}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
