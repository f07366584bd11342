"""Storage: every byte newsetl writes, the table schemas, snapshots, the DuckDB catalog and SQL."""
