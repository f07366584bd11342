"""The house rules that keep the code base honest: layering and documented tables."""

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from warehouse.schemas import TABLE_MEANINGS, TABLES, markdown_tables


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_docs_tables_is_generated_from_the_schemas() -> None:
    documented = (REPO / "docs" / "tables.md").read_text()
    assert documented == markdown_tables(), (
        "docs/tables.md is stale: python -m warehouse.schemas > docs/tables.md"
    )


def test_every_table_and_column_has_a_meaning() -> None:
    assert set(TABLE_MEANINGS) == set(TABLES)
    for table, schema in TABLES.items():
        undocumented = [f.name for f in schema if not (f.metadata or {}).get(b"meaning")]
        assert not undocumented, f"{table}: columns without a meaning: {undocumented}"


def test_readme_stays_short() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250


WRITES = re.compile(r"\b(os\.(link|rename|replace|symlink)|shutil\.rmtree|pq\.write_table)\(")


def test_every_warehouse_write_goes_through_the_storage_object() -> None:
    # warehouse.exports writes the user's own export file, outside any warehouse.
    allowed = {"storage.py", "exports.py"}
    for layer in ("warehouse", "flows"):
        for module in sorted((REPO / layer).glob("*.py")):
            if module.name in allowed:
                continue
            found = WRITES.findall(module.read_text())
            assert not found, f"{module.relative_to(REPO)} writes without the storage: {found}"


def test_production_code_reads_no_fault_switches() -> None:
    for layer in ("flows", "transforms", "warehouse"):
        for module in sorted((REPO / layer).glob("*.py")):
            text = module.read_text()
            assert not re.search(r"\bFAULT_|NEWSETL_FAULT|\btests\.", text), module.relative_to(
                REPO
            )
