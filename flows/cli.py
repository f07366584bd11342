"""The ``newsetl`` command line.

``run`` starts Prefect; ``sql``, ``report`` and ``snapshots`` only read the warehouse and never
import it, so they answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.render import query, render
from flows.settings import SettingsError, default_input, default_warehouse
from warehouse.store import SnapshotNotFound, Warehouse, WarehouseLocked

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def command_sql(args: argparse.Namespace) -> int:
    """``newsetl sql``: run one SQL statement against a snapshot and print the result."""
    from warehouse import catalog

    connection = catalog.connect(Warehouse(args.warehouse), args.as_of)
    columns, rows = query(connection, args.query)
    print(render(columns, rows, args.format))
    return EXIT_OK


def command_report(args: argparse.Namespace) -> int:
    """``newsetl report``: print every report query over a snapshot and write the HTML report."""
    import datetime as dt

    from flows.report_html import render_report_html
    from warehouse import catalog
    from warehouse.store import write_text_atomic

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise SettingsError(f"--from {args.date_from} is after --to {args.date_to}")
    filters = catalog.ReportFilters(args.date_from, args.date_to, args.publisher, args.entity)
    warehouse = Warehouse(args.warehouse)
    snapshot = warehouse.snapshot(args.as_of)
    connection = catalog.connect(warehouse, snapshot.snapshot_id)
    results = catalog.run_reports(connection, filters)
    print(f"newsetl report · snapshot {snapshot.snapshot_id} · {filters.describe()}")
    for result in results:
        print(f"\n## {result.query.name}\n{result.query.question}\n")
        shown = result.rows[: args.limit] if args.limit else result.rows
        print(render(result.columns, shown, args.format))
        if len(shown) < len(result.rows):
            # Beside CSV and JSON the note goes to stderr: their output stays machine-readable.
            print(
                f"(the first {len(shown)} of {len(result.rows)} rows; --limit 0 prints all)",
                file=sys.stderr if args.format in ("csv", "json") else sys.stdout,
            )
    page = render_report_html(
        results,
        snapshot_id=snapshot.snapshot_id,
        filters=filters.describe(),
        generated_at=dt.datetime.now(dt.UTC),
    )
    path = write_text_atomic(args.html or warehouse.root / "report.html", page)
    print(f"newsetl: HTML report written to {path}", file=sys.stderr)
    return EXIT_OK


def command_explain(args: argparse.Namespace) -> int:
    """``newsetl explain``: a document's story, its canonical and why they are linked."""
    from flows.explain_text import render_explanation
    from warehouse import catalog
    from warehouse.explain import UnknownDocument, explain_document

    warehouse = Warehouse(args.warehouse)
    snapshot = warehouse.snapshot(args.as_of)
    connection = catalog.connect(warehouse, snapshot.snapshot_id)
    try:
        found = explain_document(connection, args.doc_id)
    except UnknownDocument:
        print(
            f"newsetl: no document {args.doc_id!r} in snapshot {snapshot.snapshot_id} "
            "(a document's id is the doc_id column of the documents table)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(render_explanation(found, args.width))
    return EXIT_OK


def _date(text: str) -> Any:
    """An argparse type: a YYYY-MM-DD date."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _limit(text: str) -> int:
    """An argparse type: a count of rows, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rows (0 or more)")
    return value


def command_snapshots(args: argparse.Namespace) -> int:
    """``newsetl snapshots``: list the snapshots of a warehouse, newest first."""
    warehouse = Warehouse(args.warehouse)
    current = warehouse.current_snapshot_id()
    rows = []
    for snapshot_id in reversed(warehouse.snapshot_ids()):
        snapshot = warehouse.snapshot(snapshot_id)
        tables = snapshot.manifest["tables"]
        rows.append(
            (
                snapshot_id,
                "*" if snapshot_id == current else "",
                snapshot.manifest["created_at"],
                snapshot.manifest["run_id"],
                tables["documents"]["rows"],
                tables["quarantine"]["rows"],
            )
        )
    columns = ["snapshot_id", "current", "created_at", "run_id", "documents", "quarantined"]
    print(render(columns, rows, args.format))
    return EXIT_OK


def _up_to_date(settings: Any, pattern: str) -> bool:
    """True (and says so) when no input file is new or changed since the current snapshot.

    Checked before Prefect starts, so an unchanged re-run costs a directory walk and a stat per
    file, not a server start and a flow run.
    """
    from warehouse.catalog import repair
    from warehouse.incremental import pending_files
    from warehouse.sources import discover

    warehouse = Warehouse(settings.warehouse)
    if warehouse.current_snapshot_id() is None:
        return False
    snapshot = warehouse.snapshot()
    discovery = discover(settings.input, pattern)
    if pending_files(snapshot, discovery).num_rows:
        return False  # the run clears leftovers itself, reusing the shards a crash finished
    if repair(warehouse):
        print("newsetl: finished the publish of a run that was interrupted after its commit")
    print(
        f"newsetl: up to date: {len(discovery.paths)} files unchanged since snapshot "
        f"{snapshot.snapshot_id}; nothing published"
    )
    return True


def command_expire(args: argparse.Namespace) -> int:
    """``newsetl expire``: delete old snapshots but the newest and those within their grace."""
    import datetime as dt

    warehouse = Warehouse(args.warehouse)
    with warehouse.writer_lock("expire", wait_seconds=args.wait_for_lock):
        deleted = warehouse.expire_snapshots(
            keep=args.keep, grace=dt.timedelta(hours=args.grace_hours), now=dt.datetime.now(dt.UTC)
        )
    print(f"newsetl: deleted {len(deleted)} snapshot(s): {', '.join(deleted) or 'none'}")
    return EXIT_OK


def _run_settings(args: argparse.Namespace) -> Any:
    """The validated settings of ``run`` or ``serve`` (a bad one raises SettingsError: exit 2)."""
    from flows.settings import RunSettings

    return RunSettings.from_env(
        input=args.input,
        warehouse=args.warehouse,
        pattern=args.pattern,
        max_file_bytes=args.max_file_bytes,
        shard_size=args.shard_size,
        workers=args.workers,
        publishers_file=args.publishers_file,
        wait_for_lock=args.wait_for_lock,
        dask_address=args.dask_address,
    )


def command_serve(args: argparse.Namespace) -> int:
    """``newsetl serve``: serve the ingest flow on a cron schedule until interrupted."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.serving import check_cron, serve_ingest

    settings = _run_settings(args)
    settings.check_paths()
    check_cron(args.cron)
    serve_ingest(settings, args.cron)
    return EXIT_OK


def command_run(args: argparse.Namespace) -> int:
    """``newsetl run``: run the ingest flow and print its summary."""
    # This machine may have no route out; Prefect's anonymous usage pings would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.runners import make_task_runner

    settings = _run_settings(args)
    settings.check_paths()  # a bad path fails here, before Prefect starts
    if not args.force and _up_to_date(settings, args.pattern):
        return EXIT_OK
    from flows.pipeline import ingest_articles

    started = time.perf_counter()
    flow = ingest_articles.with_options(task_runner=make_task_runner(settings))
    summary = flow(
        input=settings.input,
        warehouse=str(settings.warehouse),
        pattern=args.pattern,
        max_file_bytes=settings.max_file_bytes,
        shard_size=settings.shard_size,
        publishers_file=str(settings.publishers_file) if settings.publishers_file else None,
        wait_for_lock=settings.wait_for_lock,
    )
    print(f"\nnewsetl run {summary.run_id}")
    print(f"  status         {summary.status}")
    print(f"  files seen     {summary.files_seen}")
    print(f"  new or changed {summary.files_processed}")
    print(f"  documents      {summary.documents}")
    print(f"  quarantined    {summary.quarantined}")
    for reason, count in summary.quarantined_by_reason.items():
        print(f"    {reason:<22}{count}")
    print(f"  duplicates     {summary.duplicates}")
    print(f"  stories        {summary.clusters}")
    print(f"  snapshot       {summary.snapshot_id}")
    print(f"  warehouse      {settings.warehouse}")
    print(f"  time           {time.perf_counter() - started:.1f} s (flow {summary.seconds:.1f} s)")
    return EXIT_OK


def _add_explain(commands: Any, add_warehouse: Any) -> None:
    """The ``explain`` command's arguments."""
    explain = commands.add_parser(
        "explain", help="why a document is linked to its story: canonical, shared passage, figures"
    )
    explain.add_argument("doc_id", help="a document's id (documents.doc_id)")
    add_warehouse(explain)
    explain.add_argument("--as-of", metavar="SNAPSHOT", help="read this snapshot, not the current")
    explain.add_argument(
        "--width", type=int, default=100, help="characters per line of the side-by-side passage"
    )
    explain.set_defaults(handler=command_explain)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``newsetl`` command."""
    parser = argparse.ArgumentParser(
        prog="newsetl", description="Batch ETL for news article corpora."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def add_warehouse(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--warehouse",
            type=Path,
            default=default_warehouse(),
            help="warehouse folder (env NEWSETL_WAREHOUSE; default: %(default)s)",
        )

    def add_read_options(sub: argparse.ArgumentParser) -> None:
        add_warehouse(sub)
        sub.add_argument("--as-of", metavar="SNAPSHOT", help="read this snapshot, not the current")
        sub.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")

    # The options of a run, shared by ``run`` and ``serve``.
    run_options = argparse.ArgumentParser(add_help=False)
    run_options.add_argument(
        "--input",
        default=None,
        help="folder (recursive), glob or URL (s3://, gs://, file://) of article files "
        f"(env NEWSETL_INPUT; default: {default_input()})",
    )
    add_warehouse(run_options)
    run_options.add_argument(
        "--pattern", default="*.txt", help="file name pattern in folders (default: %(default)s)"
    )
    run_options.add_argument(
        "--max-file-bytes",
        type=int,
        help="size cap per file (env NEWSETL_MAX_FILE_BYTES; default 1 MiB)",
    )
    run_options.add_argument(
        "--shard-size", type=int, help="files per task (env NEWSETL_SHARD_SIZE; default 2000)"
    )
    run_options.add_argument(
        "--workers", type=int, help="worker processes (env NEWSETL_WORKERS; default: cores)"
    )
    run_options.add_argument(
        "--publishers-file", type=Path, help="TOML file of extra publisher signatures"
    )
    run_options.add_argument(
        "--wait-for-lock",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run on the same warehouse (default: fail at once)",
    )
    run_options.add_argument(
        "--dask-address", help="run shard tasks on this Dask scheduler (tcp://host:8786)"
    )
    run = commands.add_parser(
        "run", parents=[run_options], help="ingest article files and publish a snapshot"
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="run the flow even when no file is new or changed (it will publish nothing)",
    )
    run.set_defaults(handler=command_run)

    serve = commands.add_parser(
        "serve",
        parents=[run_options],
        help="serve the ingest flow on a cron schedule (Prefect flow.serve)",
    )
    serve.add_argument(
        "--cron", required=True, help="schedule as a cron expression, e.g. '*/30 * * * *' (UTC)"
    )
    serve.set_defaults(handler=command_serve)

    sql = commands.add_parser("sql", help="run SQL against the warehouse")
    sql.add_argument("query", help="one SQL statement")
    add_read_options(sql)
    sql.set_defaults(handler=command_sql)

    report = commands.add_parser(
        "report", help="print the aggregate report and write it as an HTML page with charts"
    )
    add_read_options(report)
    report.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    report.add_argument("--publisher", help="only documents of this publisher")
    report.add_argument("--entity", help="only documents naming this entity (Russia, Ana Lee)")
    report.add_argument(
        "--limit",
        type=_limit,
        default=20,
        metavar="ROWS",
        help="rows printed of each report, the top ones (default 20; 0 prints all; the HTML "
        "page charts all)",
    )
    report.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="HTML file to write (default: WAREHOUSE/report.html)",
    )
    report.set_defaults(handler=command_report)

    _add_explain(commands, add_warehouse)
    snapshots = commands.add_parser("snapshots", help="list published snapshots")
    add_warehouse(snapshots)
    snapshots.add_argument(
        "--format", choices=["table", "csv", "json", "markdown"], default="table"
    )
    snapshots.set_defaults(handler=command_snapshots)

    expire = commands.add_parser("expire", help="delete old snapshots (retention)")
    add_warehouse(expire)
    expire.add_argument(
        "--keep", type=int, default=10, help="newest snapshots to keep (default 10)"
    )
    expire.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="never delete a snapshot younger than this, for readers still on it (default 24)",
    )
    expire.add_argument("--wait-for-lock", type=float, default=0.0, metavar="SECONDS")
    expire.set_defaults(handler=command_expire)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsetl`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (SettingsError, SnapshotNotFound, WarehouseLocked) as error:
        print(f"newsetl: {error}", file=sys.stderr)
        return EXIT_USAGE if isinstance(error, SettingsError) else EXIT_FAILED
    except Exception as error:
        # Bad SQL and bad input paths: a message, not a traceback.
        import duckdb

        from warehouse.sources import InputError

        if isinstance(error, InputError | duckdb.Error):
            print(f"newsetl: {error}", file=sys.stderr)
            return EXIT_FAILED
        if isinstance(error, OSError):
            # Storage faults that outlasted the retries, a full disk: the warehouse is unchanged.
            print(f"newsetl: run failed, warehouse unchanged: {error}", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
