"""Poison inputs (RELIABILITY 6): every kind ends as a document or a quarantine row, no crash."""

import codecs
import gzip
import os
from pathlib import Path

import pyarrow as pa

from tests.flows.runs import newsetl_run
from transforms.reasons import QuarantineReason as Reason
from warehouse import catalog
from warehouse.store import Warehouse

STORY = (
    " date 2021-06-01 Ministers Meet Again\n\nGENEVA, June 1 - Ministers met on Tuesday to discuss"
    " the ceasefire and said the talks would continue next week in the same city ({name})."
)
CAP = 50_000  # --max-file-bytes of the run


def story(name: str) -> str:
    return STORY.format(name=name)


def poison_files(root: Path, outside: Path) -> dict[str, str | None]:
    """One file of every kind; returns each path's expected reason (None: a document)."""
    root.mkdir()
    files: dict[str, tuple[bytes, str | None]] = {
        "good.txt": (story("good").encode(), None),
        "empty.txt": (b"", Reason.EMPTY),
        "whitespace.txt": (b" \t\n\r\n  \n", Reason.EMPTY),
        "bom-only.txt": (codecs.BOM_UTF8, Reason.EMPTY),
        "binary.txt": (bytes(range(256)) * 8, Reason.BINARY),
        "nul-bytes.txt": (story("nul").encode().replace(b" ", b"\0"), Reason.BINARY),
        "invalid-utf8.txt": (bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40, Reason.UNDECODABLE),
        "utf16-bom.txt": (codecs.BOM_UTF16_LE + story("utf16").encode("utf-16-le"), None),
        "cp1251.txt": (
            (
                " date 2021-05-04 " + "Министры встретились в Женеве и обсудили перемирие. " * 4
            ).encode("cp1251"),
            None,
        ),
        "latin1.txt": (story("café à Genève, déjà señor").encode("latin-1"), None),
        "crlf.txt": (story("crlf").replace("\n", "\r\n").encode(), None),
        "oversized.txt": (b"word " * (CAP // 4), Reason.OVERSIZED),
        "one-giant-line.txt": (("Ministers met and talked. " * 1500).encode(), None),
        "good.txt.gz": (gzip.compress(story("gzip").encode()), None),
        "truncated.txt.gz": (
            gzip.compress(story("cut").encode() * 20)[:60],
            Reason.CORRUPT_ARCHIVE,
        ),
        "not-gzip.txt.gz": (story("plain").encode(), Reason.CORRUPT_ARCHIVE),
        "bomb.txt.gz": (gzip.compress(b"\0" * (CAP * 40)), Reason.DECOMPRESSION_LIMIT),
        "good.txt.zst": (pa.compress(story("zstd").encode(), "zstd", asbytes=True), None),
        "truncated.txt.zst": (
            pa.compress(story("zcut").encode() * 20, "zstd", asbytes=True)[:30],
            Reason.CORRUPT_ARCHIVE,
        ),
        "unreadable.txt": (story("locked").encode(), Reason.UNREADABLE),
    }
    expected: dict[str, str | None] = {}
    for name, (content, reason) in files.items():
        (root / name).write_bytes(content)
        expected[name] = reason
    (root / "folder.txt").mkdir()
    expected["folder.txt"] = Reason.NOT_A_FILE
    os.mkfifo(root / "fifo.txt")
    expected["fifo.txt"] = Reason.NOT_A_FILE
    outside.write_text(story("outside"))
    (root / "escape.txt").symlink_to(outside)
    expected["escape.txt"] = Reason.SYMLINK_OUTSIDE_ROOT
    (root / "dangling.txt").symlink_to(root / "gone")
    expected["dangling.txt"] = Reason.UNREADABLE
    (root / "inside-link.txt").symlink_to(root / "good.txt")
    expected["inside-link.txt"] = None
    return expected


def test_every_poison_input_is_accounted_for_with_its_reason(
    prefect_api: str, tmp_path: Path
) -> None:
    expected = poison_files(tmp_path / "in", tmp_path / "outside.txt")
    assert len({reason for reason in expected.values() if reason}) >= 9
    # Tests run as root, which chmod 000 does not stop: the OS's refusal is injected instead.
    run = newsetl_run(
        tmp_path / "in",
        tmp_path / "wh",
        prefect_api,
        faults="read:unreadable.txt=EACCES",
        NEWSETL_MAX_FILE_BYTES=str(CAP),
    )
    _, stderr = run.communicate()
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    connection = catalog.connect(Warehouse(tmp_path / "wh"))
    accepted = [
        row[0] for row in connection.execute("select source_path from documents").fetchall()
    ]
    quarantined = connection.execute("select source_path, reason from quarantine").fetchall()
    assert len(accepted) + len(quarantined) == len(expected)  # each file exactly once
    outcome = {path: None for path in accepted} | dict(quarantined)
    assert outcome == expected
