"""The house rules that keep the code base honest: layering and documented tables."""

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from warehouse.schemas import TABLES


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_readme_documents_every_column_of_every_table() -> None:
    readme = (REPO / "README.md").read_text()
    for table, schema in TABLES.items():
        section = readme.split(f"### `{table}`", 1)
        assert len(section) == 2, f"README has no section for table {table}"
        documented = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", section[1].split("\n### ")[0], re.M)
        assert documented == [(f.name, str(f.type)) for f in schema], table
