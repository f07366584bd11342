"""Pure transformations of news articles: text, records or Arrow arrays in, the same out.

Nothing in this package touches Prefect, DuckDB, the file system or the clock; the import
contract in ``pyproject.toml`` keeps it that way.
"""
