"""Why a file did not become a document: one enum for every quarantine row."""

from __future__ import annotations

import enum


class QuarantineReason(enum.StrEnum):
    """Reason codes of the ``quarantine`` table.

    The values are stable strings: reports and downstream consumers filter on them.
    """

    EMPTY = "empty"
    """The file has no bytes, or only white space."""
    BINARY = "binary"
    """The bytes are not text (NUL bytes or control characters a text file does not have)."""
    UNDECODABLE = "undecodable"
    """Not valid UTF-8/UTF-16, and no charset detector could decode it with confidence."""
    OVERSIZED = "oversized"
    """Larger than the configured size cap (``max_file_bytes``)."""
    UNREADABLE = "unreadable"
    """The operating system refused to read it (permissions, I/O error, vanished)."""
    NOT_A_FILE = "not_a_file"
    """It matched the input pattern but is a directory, FIFO, socket or device."""
    SYMLINK_OUTSIDE_ROOT = "symlink_outside_root"
    """A symbolic link that resolves outside the input root; never followed."""
    CORRUPT_ARCHIVE = "corrupt_archive"
    """A compressed file (.gz, .zst) that is truncated or corrupt."""
    DECOMPRESSION_LIMIT = "decompression_limit"
    """A compressed file that decompresses past the size cap."""
    NO_TEXT = "no_text"
    """Decoded fine, but nothing of an article is left after the page chrome is removed."""
    PARSE_FAILED = "parse_failed"
    """newsetl raised an error on this file alone (a bug to report; the detail names it)."""
