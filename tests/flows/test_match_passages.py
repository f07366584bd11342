"""match_passages across runs: new matches computed, standing ones carried, as one run gives."""

import os
import shutil
from pathlib import Path

import pytest

from flows import tasks
from flows.pipeline import ingest_articles
from tests.transforms.test_passages import PARAGRAPHS
from warehouse import aggregates, catalog, match_passages
from warehouse.store import Warehouse


def article(day: int, paragraphs: list[str], title: str = "Ministers Meet In Geneva") -> str:
    return f" date 2021-05-{day:02d} {title}\n\n" + "\n\n".join(paragraphs)


LEAD = "Local officials in Lagos followed the news closely on Monday."


def write(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)


def passages(warehouse: Path) -> list[tuple]:
    """The table by file paths (doc ids are per file version), without run ids."""
    return (
        catalog.connect(Warehouse(warehouse))
        .execute(
            "select d.source_path, c.source_path, p.* exclude (doc_id, matched_doc_id, run_id) "
            "from match_passages p join documents d using (doc_id) "
            "join documents c on c.doc_id = p.matched_doc_id order by all"
        )
        .fetchall()
    )


def run_ids(warehouse: Path) -> dict[str, str]:
    rows = (
        catalog.connect(Warehouse(warehouse))
        .execute(
            "select d.source_path, p.run_id from match_passages p join documents d using (doc_id)"
        )
        .fetchall()
    )
    return dict(rows)


def test_runs_day_by_day_equal_one_run_and_compute_only_new_matches(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [
        {
            "a.txt": article(5, PARAGRAPHS),
            "b.txt": article(6, PARAGRAPHS[:4], "Geneva Talks"),
        },
        {"c.txt": article(7, [LEAD, *PARAGRAPHS])},
        # An earlier copy (a typo) becomes the canonical document: every match points to it now.
        {"early.txt": article(4, [PARAGRAPHS[0].replace("Geneva", "Genva"), *PARAGRAPHS[1:]])},
    ]
    daily, whole = tmp_path / "daily", tmp_path / "wh-daily"
    write(daily, days[0])
    first = ingest_articles(input=str(daily), warehouse=str(whole))
    assert [row[:2] for row in passages(whole)] == [("b.txt", "a.txt")]
    write(daily, days[1])
    ingest_articles(input=str(daily), warehouse=str(whole))
    got = {row[0]: row for row in passages(whole)}
    assert set(got) == {"b.txt", "c.txt"}
    # b's match stands: carried with the run that computed it, its file hard-linked.
    assert run_ids(whole)["b.txt"] == first.run_id != run_ids(whole)["c.txt"]
    [(lead_added,)] = (
        catalog.connect(Warehouse(whole))
        .execute(
            "select lead_added_words from match_passages join documents using (doc_id) "
            "where source_path = 'c.txt'"
        )
        .fetchall()
    )
    assert lead_added == len(LEAD.split())
    write(daily, days[2])
    # And b.txt is edited: its passage is computed again even though its match looks the same.
    (daily / "b.txt").write_text(article(6, PARAGRAPHS[:3], "Geneva Talks"))
    os.utime(daily / "b.txt", ns=(1, 1))
    last = ingest_articles(input=str(daily), warehouse=str(whole))
    assert {row[:2] for row in passages(whole)} == {
        ("a.txt", "early.txt"),
        ("b.txt", "early.txt"),
        ("c.txt", "early.txt"),
    }
    assert set(run_ids(whole).values()) == {last.run_id}

    everything = tmp_path / "all"
    shutil.copytree(daily, everything)
    ingest_articles(input=str(everything), warehouse=str(tmp_path / "wh-full"))
    assert passages(whole) == passages(tmp_path / "wh-full")
    # One pair a batch: the canonical read for each of its three copies, the same passages,
    # the batches computed by two worker processes.
    defaults = (match_passages.PASSAGES, 1)  # params, batch_pairs
    monkeypatch.setattr(match_passages.next_match_passages, "__defaults__", defaults)
    monkeypatch.setenv("NEWSETL_WORKERS", "2")
    ingest_articles(input=str(everything), warehouse=str(tmp_path / "wh-pairwise"))
    assert passages(tmp_path / "wh-pairwise") == passages(tmp_path / "wh-full")


def test_many_matches_wait_for_the_report_tables_and_give_the_same_passages(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "a.txt": article(5, PARAGRAPHS),
        "b.txt": article(6, PARAGRAPHS[:4], "Geneva Talks"),
        "c.txt": article(7, [LEAD, *PARAGRAPHS]),
    }
    write(tmp_path / "in", files)
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "beside"))
    order: list[str] = []
    build, compute = aggregates.write_report_tables, match_passages._compute

    def write_report_tables(*args: object, **kwargs: object) -> dict[str, int]:
        order.append("report tables begin")
        rows = build(*args, **kwargs)  # type: ignore[arg-type]
        order.append("report tables end")
        return rows

    def computed(*args: object, **kwargs: object) -> object:
        order.append("passages")
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(aggregates, "write_report_tables", write_report_tables)
    monkeypatch.setattr(match_passages, "_compute", computed)
    monkeypatch.setattr(tasks, "PASSAGES_BESIDE_REPORTS", 1)  # the two matches are many
    ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "after"))
    assert order == ["report tables begin", "report tables end", "passages"]
    assert len(passages(tmp_path / "after")) == 2
    assert passages(tmp_path / "after") == passages(tmp_path / "beside")


def test_a_failed_publish_does_not_compute_the_passages_waiting_for_it(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "in", {"a.txt": article(5, PARAGRAPHS), "b.txt": article(6, PARAGRAPHS[:4])})
    computed: list[object] = []

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(aggregates, "write_report_tables", disk_full)
    monkeypatch.setattr(match_passages, "_compute", lambda *args, **kwargs: computed.append(args))
    monkeypatch.setattr(tasks, "PASSAGES_BESIDE_REPORTS", 0)
    with pytest.raises(OSError, match="no space left"):
        ingest_articles(input=str(tmp_path / "in"), warehouse=str(tmp_path / "wh"))
    assert computed == []
    assert Warehouse(tmp_path / "wh").current_snapshot_id() is None
