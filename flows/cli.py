"""The ``newsetl`` command line.

``run`` starts Prefect; ``sql``, ``report``, ``snapshots``, ``check``, ``expire`` and ``compact``
never import it, so they answer at once. An expected failure is one ``newsetl:`` line on stderr
and an exit code (0 ok, 1 failed, 2 invalid setting), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from flows.prefect_api import PrefectServerUnavailable, configure_prefect, start_prefect_api
from flows.render import query, render
from flows.settings import SettingsError, check_duration, default_input, default_warehouse
from warehouse.store import SnapshotNotFound, Warehouse, WarehouseLocked

LOCK_OWNER = "starting from the command line"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def command_sql(args: argparse.Namespace) -> int:
    """``newsetl sql``: run one read-only query against a snapshot; print or export the result.

    The query reaches nothing but the snapshot's files and changes nothing (``warehouse.sandbox``);
    ``--output`` files are written by newsetl, never by the SQL.
    """
    from warehouse import exports, sandbox

    if args.output is not None:
        try:
            exports.check_target(args.output, args.warehouse)
        except exports.ExportError as error:
            raise SettingsError(str(error)) from None
    connection = sandbox.connect_read_only(Warehouse(args.warehouse), args.as_of)
    statement = sandbox.read_only_statement(connection, args.query)
    if args.output is None:
        columns, rows = query(connection, statement)
        print(render(columns, rows, args.format))
        return EXIT_OK
    rows_written = exports.export(connection.sql(statement), args.output)
    plural = "" if rows_written == 1 else "s"
    print(f"newsetl: {rows_written} row{plural} written to {args.output}", file=sys.stderr)
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
    file, not a server start and a flow run. A damaged snapshot is never "up to date".

    Raises:
        SnapshotDamaged: A file of the current snapshot is missing or has another size.
    """
    from warehouse import input_changes, integrity
    from warehouse.catalog import repair
    from warehouse.sources import discover, keep_listing

    warehouse = Warehouse(settings.warehouse)
    if warehouse.current_snapshot_id() is None:
        return False
    snapshot = warehouse.snapshot()
    integrity.require_intact(snapshot)
    discovery = discover(settings.input, pattern, skip=settings.warehouse)
    changes = None
    if input_changes.last_root(snapshot) in (None, input_changes.root_of(discovery.root)):
        changes = input_changes.input_changes(snapshot, discovery)
    if (
        # Another root: the run refuses it, or replaces documents and names them.
        changes is None
        or changes.todo.num_rows
        # The run clears leftovers itself, reusing the shards a crash finished.
        or (settings.prune_missing and changes.missing.num_rows)
        # Files earlier runs left to parse again with the current chrome.
        or ("pending_reparse" in snapshot.manifest["tables"] and snapshot.rows("pending_reparse"))
    ):
        # The run that follows, in this process, takes this listing rather than making another,
        # and the changes found in it.
        keep_listing(discovery, settings.input, pattern, settings.warehouse)
        if changes is not None:
            input_changes.keep_changes(snapshot, discovery, changes)
        return False
    if repair(warehouse):
        print("newsetl: finished the publish of a run that was interrupted after its commit")
    print(
        f"newsetl: up to date: {len(discovery.paths)} files unchanged since snapshot "
        f"{snapshot.snapshot_id}; nothing published"
    )
    if changes.missing.num_rows:
        print(f"newsetl: {_missing_note(changes.missing.num_rows, changes.missing_documents)}")
    return True


def _missing_note(files: int, documents: int) -> str:
    return (
        f"missing from the input: {files} file(s) of earlier runs; their {documents} "
        "document(s) are kept (--prune-missing removes them)"
    )


def command_expire(args: argparse.Namespace) -> int:
    """``newsetl expire``: delete old snapshots but the newest and those within their grace."""
    import datetime as dt

    if args.keep < 1:
        raise SettingsError(
            f"--keep must be 1 or more (the current snapshot stays), not {args.keep}"
        )
    grace_hours = check_duration("--grace-hours", args.grace_hours, "hours")
    wait = check_duration("--wait-for-lock", args.wait_for_lock)
    warehouse = Warehouse(args.warehouse)
    with warehouse.writer_lock("expire", wait_seconds=wait):
        deleted = warehouse.expire_snapshots(
            keep=args.keep, grace=dt.timedelta(hours=grace_hours), now=dt.datetime.now(dt.UTC)
        )
    print(f"newsetl: deleted {len(deleted)} snapshot(s): {', '.join(deleted) or 'none'}")
    return EXIT_OK


def command_compact(args: argparse.Namespace) -> int:
    """``newsetl compact``: publish the current snapshot with its small files merged."""
    import datetime as dt

    from warehouse import catalog, compaction

    if args.target_mb <= 0:
        raise SettingsError(f"--target-mb must be positive, not {args.target_mb}")
    wait = check_duration("--wait-for-lock", args.wait_for_lock)
    warehouse = Warehouse(args.warehouse)
    with warehouse.writer_lock("compact", wait_seconds=wait):
        done = compaction.compact(
            warehouse, dt.datetime.now(dt.UTC), target_bytes=int(args.target_mb * (1 << 20))
        )
        if done.snapshot is None:
            print("newsetl: nothing to compact")
            return EXIT_OK
        catalog.write_catalog(warehouse, done.snapshot)
    print(
        f"newsetl: merged {done.merged_files} files into {done.written_files} "
        f"({done.written_bytes} bytes); published snapshot {done.snapshot.snapshot_id}"
    )
    return EXIT_OK


def command_check(args: argparse.Namespace) -> int:
    """``newsetl check``: verify a snapshot's files against what publish recorded."""
    from warehouse import integrity

    warehouse = Warehouse(args.warehouse)
    level: integrity.Level = "sizes" if args.quick else "full"
    ids = (
        warehouse.snapshot_ids()[::-1] if args.all else [warehouse.snapshot(args.as_of).snapshot_id]
    )
    damaged = 0
    for snapshot_id in ids:
        report = integrity.check_snapshot(warehouse.snapshot(snapshot_id), level)
        current = " (current)" if snapshot_id == warehouse.current_snapshot_id() else ""
        print(f"{report.describe()}{current}")
        for damage in report.damage:
            print(f"  {damage.table:<18} {damage.path}: {damage.problem}")
        damaged += not report.intact
    if damaged:
        print(
            f"newsetl: {damaged} damaged snapshot(s); `newsetl repair` publishes a repaired "
            "current snapshot (docs/operations.md, Repair)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def command_repair(args: argparse.Namespace) -> int:
    """``newsetl repair``: publish a repaired snapshot when the current one is damaged.

    Intact twins of the damaged files are linked in if there are some; ``--from-snapshot``
    restores an older snapshot's content; otherwise the input is processed again from scratch.
    """
    from warehouse import catalog, integrity

    settings = _run_settings(args)
    warehouse = Warehouse(settings.warehouse)
    with warehouse.writer_lock(LOCK_OWNER, wait_seconds=settings.wait_for_lock):
        report = integrity.check_snapshot(warehouse.snapshot())
        print(report.describe())
        for damage in report.damage:
            print(f"  {damage.table:<18} {damage.path}: {damage.problem}")
        if report.intact and not args.from_snapshot:
            catalog.repair(warehouse)
            print("newsetl: nothing to repair")
            return EXIT_OK
        repair = (
            integrity.restore(warehouse, args.from_snapshot)
            if args.from_snapshot
            else integrity.relink(warehouse, report)
        )
        if repair is not None:
            catalog.write_catalog(warehouse, repair.snapshot)
            print(f"newsetl: published snapshot {repair.snapshot.snapshot_id}: {repair.how}")
            if args.from_snapshot:
                print("newsetl: run `newsetl run` to process the files changed since then")
            return EXIT_OK
        print("newsetl: no intact copy of the damaged files: rebuilding from the input")
        return _run_flow(args, settings, rebuild=True)


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
        prune_missing=args.prune_missing or None,
        allow_new_root=args.allow_new_root or None,
        earliest_date=args.earliest_date,
        max_days_ahead=args.max_days_ahead,
    )


def command_serve(args: argparse.Namespace) -> int:
    """``newsetl serve``: serve the ingest flow on a cron schedule until interrupted."""
    configure_prefect()
    from flows.serving import check_cron, serve_ingest

    settings = _run_settings(args)
    settings.check_paths()
    check_cron(args.cron)
    start_prefect_api()
    serve_ingest(settings, args.cron)
    return EXIT_OK


def command_run(args: argparse.Namespace) -> int:
    """``newsetl run``: run the ingest flow and print its summary."""
    from warehouse.input_changes import drop_changes
    from warehouse.sources import drop_listings

    settings = _run_settings(args)
    settings.check_paths()  # a bad setting or path fails here, before Prefect is imported
    drop_listings()  # a listing an earlier command of this process kept and did not use
    drop_changes()
    if not args.force and _up_to_date(settings, args.pattern):
        return EXIT_OK
    return _run_flow(args, settings)


def _check_before_run(settings: Any, pattern: str) -> None:
    """What the flow would refuse, refused before Prefect starts (the caller holds the lock).

    Raises:
        SnapshotDamaged: The current snapshot is damaged.
        InputRootChanged: The input root is another than the last run's, not allowed.
    """
    from warehouse import input_changes, integrity
    from warehouse.sources import input_root, is_url

    warehouse = Warehouse(settings.warehouse)
    if warehouse.current_snapshot_id() is None:
        return
    snapshot = warehouse.snapshot()
    integrity.require_intact(snapshot)
    if not is_url(settings.input):
        root = input_changes.root_of(input_root(settings.input).absolute())
        input_changes.check_root(snapshot, root, allow_new_root=settings.allow_new_root)


def _run_flow(args: argparse.Namespace, settings: Any, *, rebuild: bool = False) -> int:
    """Run the ingest flow holding the writer lock, and print its summary.

    The lock is taken here, before Prefect starts: a held lock is one clear line, not a failed
    flow run; the flow takes it again in this process.
    """
    configure_prefect()
    warehouse = Warehouse(settings.warehouse)
    with warehouse.writer_lock(LOCK_OWNER, wait_seconds=settings.wait_for_lock):
        if not rebuild:
            _check_before_run(settings, args.pattern)
        from flows.pipeline import ingest_articles
        from flows.runners import make_task_runner

        started = time.perf_counter()
        start_prefect_api()
        flow = ingest_articles.with_options(task_runner=make_task_runner(settings))
        with _quiet_expected_failures():
            summary = flow(
                input=settings.input,
                warehouse=str(settings.warehouse),
                pattern=args.pattern,
                max_file_bytes=settings.max_file_bytes,
                shard_size=settings.shard_size,
                publishers_file=str(settings.publishers_file) if settings.publishers_file else None,
                wait_for_lock=settings.wait_for_lock,
                prune_missing=settings.prune_missing,
                allow_new_root=settings.allow_new_root,
                earliest_date=settings.earliest_date.isoformat(),
                max_days_ahead=settings.max_days_ahead,
                rebuild=rebuild,
            )
    print(f"\nnewsetl run {summary.run_id}")
    print(f"  status         {summary.status}")
    print(f"  files seen     {summary.files_seen}")
    print(f"  new or changed {summary.files_processed}")
    print(f"  documents      {summary.documents}")
    print(f"  quarantined    {summary.quarantined}")
    for reason, count in summary.quarantined_by_reason.items():
        print(f"    {reason:<22}{count}")
    print(f"  missing        {summary.files_missing}", end="")
    if summary.files_pruned:
        print(f" (pruned {summary.files_pruned}: their documents removed)")
    else:
        print(" (documents kept; --prune-missing removes them)" if summary.files_missing else "")
    if summary.replaced:
        print(f"  replaced       {len(summary.replaced)} (new input root): ", end="")
        print(", ".join(summary.replaced[:20]) + (" ..." if len(summary.replaced) > 20 else ""))
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


def _run_options(add_warehouse: Callable[[argparse.ArgumentParser], None]) -> _ArgumentParser:
    """The options of a run, shared by ``run``, ``serve`` and ``repair``."""
    run_options = _ArgumentParser(add_help=False)
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
        "--publishers-file", type=Path, help="TOML file of publisher mappings and signatures"
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
    run_options.add_argument(
        "--prune-missing",
        action="store_true",
        help="remove the documents of files no longer in the input (default: keep, and count)",
    )
    run_options.add_argument(
        "--allow-new-root",
        action="store_true",
        help="go ahead when the input root is not the last run's (replaced documents are named)",
    )
    run_options.add_argument(
        "--earliest-date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="earlier publication dates are invalid "
        "(env NEWSETL_EARLIEST_DATE; default 1800-01-01)",
    )
    run_options.add_argument(
        "--max-days-ahead",
        type=int,
        metavar="DAYS",
        help="publication dates later than the run's date plus DAYS are invalid "
        "(env NEWSETL_MAX_DAYS_AHEAD; default 2)",
    )
    return run_options


def _add_maintenance(
    commands: Any, add_warehouse: Callable[[argparse.ArgumentParser], None]
) -> None:
    """The parsers of the commands that keep a warehouse: ``expire`` and ``compact``."""
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

    compact = commands.add_parser(
        "compact", help="merge the small files increments leave (publishes a snapshot)"
    )
    add_warehouse(compact)
    compact.add_argument(
        "--target-mb", type=float, default=128.0, help="size of a merged file (default 128)"
    )
    compact.add_argument("--wait-for-lock", type=float, default=0.0, metavar="SECONDS")
    compact.set_defaults(handler=command_compact)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``newsetl`` command."""
    parser = _ArgumentParser(prog="newsetl", description="Batch ETL for news article corpora.")
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

    run_options = _run_options(add_warehouse)
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

    sql = commands.add_parser("sql", help="run one read-only query against the warehouse")
    sql.add_argument("query", help="one query: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN")
    add_read_options(sql)
    sql.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the result to FILE.parquet, .csv, .json or .jsonl (atomically) instead",
    )
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

    _add_maintenance(commands, add_warehouse)

    check = commands.add_parser(
        "check", help="verify a snapshot's files against the sizes and checksums of its publish"
    )
    add_warehouse(check)
    check.add_argument("--as-of", metavar="SNAPSHOT", help="check this snapshot, not the current")
    check.add_argument("--all", action="store_true", help="check every snapshot on disk")
    check.add_argument(
        "--quick", action="store_true", help="sizes only, as every run checks (no reading)"
    )
    check.set_defaults(handler=command_check)

    repair = commands.add_parser(
        "repair",
        parents=[run_options],
        help="publish a repaired snapshot: intact copies linked in, or the input processed again",
    )
    repair.add_argument(
        "--from-snapshot",
        metavar="SNAPSHOT",
        help="publish this older snapshot's content (then `newsetl run` catches up)",
    )
    repair.set_defaults(handler=command_repair)
    return parser


def _exit_code(error: BaseException) -> int | None:
    """The exit code of an expected failure (2: a setting, 1: the work failed), None for a bug."""
    import duckdb

    from warehouse.exports import ExportError
    from warehouse.input_changes import InputRootChanged
    from warehouse.integrity import SnapshotDamaged
    from warehouse.sandbox import QueryRefused
    from warehouse.schemas import SchemaContractError
    from warehouse.sources import InputError

    if isinstance(error, SettingsError | ExportError | InputRootChanged):
        return EXIT_USAGE
    failed: tuple[type[BaseException], ...] = (
        PrefectServerUnavailable,
        SnapshotNotFound,
        WarehouseLocked,
        SnapshotDamaged,
        InputError,
        QueryRefused,
        SchemaContractError,
        duckdb.Error,
        OSError,
    )
    stages = sys.modules.get("flows.stages")  # imported by runs only: it imports Prefect
    if stages is not None:
        failed += (stages.BooksDoNotBalance,)
    return EXIT_FAILED if isinstance(error, failed) else None


def _one_line(error: BaseException, command: str) -> str:
    """An error's message on one line (DuckDB's span several, with a caret under the spot)."""
    lines = [line.strip() for line in str(error).splitlines()]
    text = " ".join(line for line in lines if line and set(line) != {"^"})
    if isinstance(error, OSError) and command in {"run", "repair", "serve"}:
        # Storage faults that outlasted the retries, a full disk: the warehouse is unchanged.
        return f"run failed, warehouse unchanged: {text}"
    return text or type(error).__name__


class _ExpectedFailureFilter(logging.Filter):
    """Keeps Prefect's log lines of an expected failure but drops their tracebacks.

    The command prints the failure as its one ``newsetl:`` line; the traceback of, say, a full
    disk says nothing more. Failures that are bugs keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            if _exit_code(record.exc_info[1]) is not None:
                record.exc_info = None
                record.exc_text = None
        return True


def _prefect_handlers() -> set[logging.Handler]:
    return {
        handler
        for name in ("prefect", "prefect.flow_runs", "prefect.task_runs", "")
        for handler in logging.getLogger(name).handlers
    }


def quiet_expected_failures_in_worker() -> None:
    """In a worker process, Prefect's console shows expected failures without tracebacks.

    A shard task that fails for good (a storage fault outlasting its retries) is logged by the
    worker that ran it, on the stderr it shares with the command.
    """
    quiet = _ExpectedFailureFilter()
    # On the loggers themselves: Prefect may set up its handlers only when the first task runs.
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect"):
        logging.getLogger(name).addFilter(quiet)


@contextlib.contextmanager
def _quiet_expected_failures() -> Iterator[None]:
    """Within the block, Prefect's console shows expected failures without tracebacks."""
    handlers = _prefect_handlers()
    quiet = _ExpectedFailureFilter()
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, with a usage error as one ``newsetl:`` line (exit 2) like every other."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"newsetl: {message} (see `{self.prog} --help`)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsetl`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except Exception as error:
        code = _exit_code(error)
        if code is None:
            raise  # a bug: its traceback is what a report needs
        print(f"newsetl: {_one_line(error, args.command)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
