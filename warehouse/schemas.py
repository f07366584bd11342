"""The declared Arrow schema of every published table, and the contract check against it.

A table is conformed to its schema before it is written: columns in the declared order and types,
and no nulls where a value is required. A table that cannot conform fails the run before anything
is published (promise 7 of RELIABILITY.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

UTC_MICROS = pa.timestamp("us", tz="UTC")


def _field(name: str, type_: pa.DataType, meaning: str, *, required: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=not required, metadata={"meaning": meaning})


DOCUMENTS = pa.schema(
    [
        _field(
            "doc_id",
            pa.string(),
            "Id of this file version: hash of source_path and raw_sha256.",
            required=True,
        ),
        _field(
            "source_path",
            pa.string(),
            "Path of the file relative to the input root.",
            required=True,
        ),
        _field("raw_sha256", pa.string(), "SHA-256 of the file's raw bytes, hex.", required=True),
        _field("bytes", pa.int64(), "Size of the raw file in bytes.", required=True),
        _field("encoding", pa.string(), "Encoding the bytes were decoded with.", required=True),
        _field("published_date", pa.date32(), "Publication date; the 1st for month-only dates."),
        _field(
            "date_precision",
            pa.string(),
            "day, month, none (no date found) or invalid (bad header).",
            required=True,
        ),
        _field(
            "date_source",
            pa.string(),
            "header, dateline (no header: the dateline's date, year from it or the path) or none.",
            required=True,
        ),
        _field("title", pa.string(), "Headline, null where the page shows none."),
        _field("subtitle", pa.string(), "Standfirst between the headline and the byline."),
        _field(
            "byline",
            pa.string(),
            "Author or agency credited (`By AFP` -> AFP; `Jane Doe, Reuters`).",
        ),
        _field(
            "dateline",
            pa.string(),
            "The dateline as printed (`KUBINKA /Moscow Region/, August 23. /TASS/.`).",
        ),
        _field("dateline_place", pa.string(), "Place of the dateline."),
        _field("dateline_agency", pa.string(), "Agency of the dateline (TASS, Reuters, AFP...)."),
        _field(
            "agency",
            pa.string(),
            "Wire agency credited for the text by its dateline, byline, sign-off or a wire's "
            "copyright notice, under its canonical name (AP, AFP, Reuters, TASS, Xinhua, dpa...); "
            "null when none.",
        ),
        _field(
            "publisher",
            pa.string(),
            "Outlet that published the page (never a wire agency: see agency), `unknown` without "
            "evidence.",
            required=True,
        ),
        _field(
            "language",
            pa.string(),
            "ISO 639-1 language code, `und` when undetermined.",
            required=True,
        ),
        _field(
            "body",
            pa.string(),
            "Article text without chrome, headline, byline or dateline.",
            required=True,
        ),
        _field("word_count", pa.int32(), "Words in the body.", required=True),
        _field(
            "content_hash",
            pa.string(),
            "xxh3-128 of the body (with the headline when the body has under 30 words), hex: "
            "equal bodies, equal hash.",
            required=True,
        ),
        _field("cluster_id", pa.string(), "Cluster of copies of the same story.", required=True),
        _field(
            "is_canonical",
            pa.bool_(),
            "True for the one member that represents its cluster.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that ingested this document.", required=True),
    ]
)

DOCUMENTS_VIEW = pa.schema(
    [
        *(field for field in DOCUMENTS if field.name != "run_id"),
        _field(
            "cluster_size",
            pa.int32(),
            "Documents in this document's cluster: `clusters.size`, joined by `cluster_id` in "
            "the DuckDB view; not in the Parquet files, so that a new copy of an older story "
            "does not rewrite the files of its earlier copies.",
            required=True,
        ),
        DOCUMENTS.field("run_id"),
    ]
)
"""The ``documents`` table as its DuckDB view shows it (``warehouse.documents_view``)."""

VIEW_SCHEMAS: dict[str, pa.Schema] = {"documents": DOCUMENTS_VIEW}
"""Tables whose DuckDB view adds columns to their files, from another table of the snapshot."""

QUARANTINE = pa.schema(
    [
        _field(
            "source_path",
            pa.string(),
            "Path of the file relative to the input root.",
            required=True,
        ),
        _field("reason", pa.string(), "Reason code (QuarantineReason).", required=True),
        _field("detail", pa.string(), "What exactly was wrong, for a person."),
        _field("bytes", pa.int64(), "Size in bytes, null where it could not be read."),
        _field("raw_sha256", pa.string(), "SHA-256 of the raw bytes, null where not read."),
        _field("run_id", pa.string(), "Run that quarantined the file.", required=True),
    ]
)

RUNS = pa.schema(
    [
        _field("run_id", pa.string(), "Id of the run.", required=True),
        _field("started_at", UTC_MICROS, "When the run started (UTC).", required=True),
        _field("finished_at", UTC_MICROS, "When the run published (UTC).", required=True),
        _field("input", pa.string(), "Input folder or glob as given.", required=True),
        _field(
            "input_root",
            pa.string(),
            "Absolute folder (or URL) that source paths are relative to; null before recorded.",
        ),
        _field(
            "status",
            pa.string(),
            "published; rebuilt or repaired: by newsetl repair (docs/operations.md).",
            required=True,
        ),
        _field("files_seen", pa.int64(), "Files found by discovery.", required=True),
        _field("files_processed", pa.int64(), "New or changed files this run read.", required=True),
        _field("documents", pa.int64(), "Processed files accepted as documents.", required=True),
        _field("quarantined", pa.int64(), "Processed files quarantined.", required=True),
        _field(
            "files_missing",
            pa.int64(),
            "Files of earlier runs not found in the input (documents kept unless pruned).",
        ),
        _field(
            "files_pruned",
            pa.int64(),
            "Missing files whose rows this run removed (--prune-missing).",
        ),
        _field(
            "quarantined_by_reason",
            pa.map_(pa.string(), pa.int64()),
            "Quarantined files per reason code.",
            required=True,
        ),
        _field("total_documents", pa.int64(), "Documents in the snapshot.", required=True),
        _field("duplicates", pa.int64(), "Documents in the snapshot not canonical.", required=True),
        _field("clusters", pa.int64(), "Clusters (stories) in the snapshot.", required=True),
        _field(
            "stage_seconds",
            pa.map_(pa.string(), pa.float64()),
            "Wall time per stage; minhash_cpu: CPU seconds of MinHash sketches in the shard tasks.",
            required=True,
        ),
        _field(
            "stages",
            pa.list_(
                pa.struct(
                    [
                        pa.field("stage", pa.string(), nullable=False),
                        pa.field("files_in", pa.int64(), nullable=False),
                        pa.field("files_out", pa.int64(), nullable=False),
                        pa.field("documents", pa.int64(), nullable=False),
                        pa.field("quarantined", pa.int64(), nullable=False),
                        pa.field("bytes", pa.int64(), nullable=False),
                        pa.field("wall_seconds", pa.float64(), nullable=False),
                        pa.field("cpu_seconds", pa.float64(), nullable=False),
                    ]
                )
            ),
            "Counters of each stage: files in and out, documents, quarantined, bytes read "
            "(publish: none), wall seconds and CPU seconds of the run's process tree (driver, "
            "worker processes, Prefect's server) and of a cluster's workers on its tasks; "
            "publish as it stood when "
            "this row was written (before checksums, pointer swap and catalog), absent before "
            "newsetl recorded it. Null for runs before it.",
        ),
        _field("parameters", pa.string(), "Run parameters as JSON.", required=True),
        _field("snapshot_id", pa.string(), "Snapshot this run published.", required=True),
        _field("parent_snapshot_id", pa.string(), "Snapshot that was current before it."),
        _field("newsetl_version", pa.string(), "Version of newsetl that ran.", required=True),
    ]
)

MANIFEST = pa.schema(
    [
        _field(
            "source_path",
            pa.string(),
            "Path of the file relative to the input root.",
            required=True,
        ),
        _field("bytes", pa.int64(), "Size when it was processed, null if it could not be stat'ed."),
        _field("mtime_ns", pa.int64(), "Modification time (ns since the epoch) when processed."),
        _field("raw_sha256", pa.string(), "SHA-256 of the bytes processed, null where not read."),
        _field("outcome", pa.string(), "document or quarantine.", required=True),
        _field(
            "run_id", pa.string(), "Run that processed this version of the file.", required=True
        ),
    ]
)

LINE_CENSUS = pa.schema(
    [
        _field(
            "source_path",
            pa.string(),
            "Path of the file relative to the input root.",
            required=True,
        ),
        _field(
            "site",
            pa.string(),
            "Site whose chrome is learned together: mapped publisher, folder (with its `/`) or "
            "'' for the input root.",
            required=True,
        ),
        _field(
            "story_key",
            pa.uint64(),
            "Key of the file's story (its two longest lines): copies of a story count once.",
            required=True,
        ),
        _field(
            "line_key",
            pa.uint64(),
            "Key of one of its first or last 8 non-blank lines of at most 400 characters (case "
            "and spacing folded; bylines left out).",
            required=True,
        ),
        _field("name", pa.string(), "The site this line names (a copyright, an appeal), or null."),
        _field("run_id", pa.string(), "Run that read this version of the file.", required=True),
    ]
)

PENDING_REPARSE = pa.schema(
    [
        _field(
            "source_path",
            pa.string(),
            "Path of an unchanged file whose learned chrome moved, relative to the input root.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that left it for a later run.", required=True),
    ]
)

CENSUS_LEARNED = pa.schema(
    [
        _field(
            "site",
            pa.string(),
            "Site of `line_census` whose chrome is learned together.",
            required=True,
        ),
        _field("line_key", pa.uint64(), "A line learned as the site's chrome, or null."),
        _field("name", pa.string(), "A name enough of the site's stories give, or null."),
        _field(
            "stories",
            pa.int64(),
            "Distinct stories of the site carrying the line or giving the name; with neither, "
            "the site's distinct stories.",
            required=True,
        ),
        _field(
            "min_stories",
            pa.int32(),
            "The least stories a line or name is learned from, as counted.",
            required=True,
        ),
        _field(
            "min_share",
            pa.float64(),
            "The least share of the site's stories, as counted.",
            required=True,
        ),
        _field(
            "census_rows",
            pa.int64(),
            "Rows of `line_census` counted: a census of another size was not counted here.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that counted it.", required=True),
    ]
)

DOCUMENT_MATCHES = pa.schema(
    [
        _field("doc_id", pa.string(), "A document that is a copy.", required=True),
        _field(
            "matched_doc_id",
            pa.string(),
            "The canonical document of its cluster.",
            required=True,
        ),
        _field(
            "similarity",
            pa.float32(),
            "Jaccard similarity of their word 5-shingles (1 for exact copies).",
            required=True,
        ),
        _field(
            "containment",
            pa.float32(),
            "Share of the shorter body's shingles found in the other (1 for exact copies).",
            required=True,
        ),
        _field("kind", pa.string(), "exact (same body) or near.", required=True),
        _field(
            "run_id",
            pa.string(),
            "Run that wrote this match as it stands (later runs carry it unchanged).",
            required=True,
        ),
    ]
)


def _words_field(name: str, meaning: str) -> pa.Field:
    return _field(name, pa.int32(), meaning, required=True)


MATCH_PASSAGES = pa.schema(
    [
        _field("doc_id", pa.string(), "A near copy (document_matches.doc_id).", required=True),
        _field(
            "matched_doc_id",
            pa.string(),
            "The canonical document it matched (document_matches.matched_doc_id).",
            required=True,
        ),
        _field(
            "passage_start",
            pa.int32(),
            "Where the longest shared passage starts in the copy's body (characters from 0).",
        ),
        _field("passage_end", pa.int32(), "Where it ends in the copy's body (exclusive)."),
        _field("matched_start", pa.int32(), "Where it starts in the canonical document's body."),
        _field("matched_end", pa.int32(), "Where it ends in the canonical document's body."),
        _field("passage_words", pa.int32(), "Words of the longest shared passage."),
        _field(
            "passage",
            pa.string(),
            "Its text as the copy has it, cut after a word within 300 characters.",
        ),
        _words_field("shared_words", "Words of the copy in passages shared in order (the chain)."),
        _words_field("lead_added_words", "Words the copy has before the first shared passage."),
        _words_field(
            "lead_removed_words", "Words the canonical body has before the first shared passage."
        ),
        _words_field("tail_added_words", "Words the copy has after the last shared passage."),
        _words_field(
            "tail_trimmed_words",
            "Words the canonical body has after the last shared passage (a trimmed tail).",
        ),
        _words_field("edits", "Places between shared passages where the two bodies differ."),
        _words_field("inserted_words", "Words of the copy in those places."),
        _words_field("deleted_words", "Words of the canonical body in those places."),
        _field("run_id", pa.string(), "Run that found this passage.", required=True),
    ]
)

CLUSTERS = pa.schema(
    [
        _field("cluster_id", pa.string(), "Cluster of copies of one story.", required=True),
        _field(
            "canonical_doc_id",
            pa.string(),
            "The document that represents the cluster.",
            required=True,
        ),
        _field("size", pa.int32(), "Documents in the cluster.", required=True),
        _field("first_date", pa.date32(), "Earliest publication date of a member."),
        _field("last_date", pa.date32(), "Latest publication date of a member."),
        _field(
            "publishers",
            pa.list_(pa.string()),
            "Distinct publishers of the members, sorted.",
            required=True,
        ),
        _field(
            "run_id",
            pa.string(),
            "Run that wrote this cluster as it stands (later runs carry it unchanged).",
            required=True,
        ),
    ]
)

BODY_BANDS = pa.schema(
    [
        _field(
            "body_key",
            pa.uint64(),
            "First 16 hex digits of a body's content hash, as a number.",
            required=True,
        ),
        _field(
            "band",
            pa.int16(),
            "LSH band number: the body's (0-36), then its opening passage's (37-44).",
            required=True,
        ),
        _field("band_key", pa.uint64(), "Hash of the band's MinHash rows.", required=True),
        _field("run_id", pa.string(), "Run that hashed this body.", required=True),
    ]
)

BODY_SIGNATURES = pa.schema(
    [
        _field(
            "body_key",
            pa.uint64(),
            "First 16 hex digits of a body's content hash, as a number.",
            required=True,
        ),
        _field("shingles", pa.int32(), "Number of distinct word 5-shingles.", required=True),
        _field(
            "signature",
            pa.binary(),
            "Its MinHash signature: 111 little-endian uint32 rows.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that hashed this body.", required=True),
    ]
)

BODY_PAIRS = pa.schema(
    [
        _field("left_key", pa.uint64(), "Body key of one body of a copy pair.", required=True),
        _field("right_key", pa.uint64(), "Body key of the other (left < right).", required=True),
        _field("jaccard", pa.float32(), "Jaccard similarity of their shingles.", required=True),
        _field(
            "containment",
            pa.float32(),
            "Share of the smaller shingle set found in the other.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that first verified this pair.", required=True),
    ]
)

MENTIONS = pa.schema(
    [
        _field("doc_id", pa.string(), "A document that mentions the entity.", required=True),
        _field(
            "kind",
            pa.string(),
            "country, city, person or organisation.",
            required=True,
        ),
        _field(
            "entity",
            pa.string(),
            "Canonical name: demonyms and old names folded (Russian -> Russia, Burma -> Myanmar).",
            required=True,
        ),
        _field(
            "mentions",
            pa.int32(),
            "Times the document's title and body name it.",
            required=True,
        ),
        _field("run_id", pa.string(), "Run that extracted these mentions.", required=True),
    ]
)

# The report tables: built by DuckDB at publish from the snapshot's documents and mentions
# (warehouse/sql/aggregates, warehouse/aggregates.py), so that reports read small, sorted tables
# rather than grouping a million documents per query.
# The run_id of every report table: the run that built the row.
PUBLISHED_BY = _field(
    "run_id",
    pa.string(),
    "Run that built the row: the publishing run, or an earlier one for a month carried as it was.",
    required=True,
)

DOCUMENT_FACTS = pa.schema(
    [
        _field(
            "doc_number",
            pa.int64(),
            "Number of the document in this snapshot, in date order (undated last): its month's "
            "key (year * 12 + month - 1; undated 120000) times 2^32 plus its place in the month.",
            required=True,
        ),
        _field("doc_id", pa.string(), "The document (documents.doc_id).", required=True),
        _field("published_date", pa.date32(), "Publication date, null when undated."),
        _field("month", pa.string(), "Publication month, `YYYY-MM` or `undated`.", required=True),
        _field("publisher", pa.string(), "Outlet that published it.", required=True),
        _field(
            "day_number",
            pa.int64(),
            "Its publisher and day (publisher_days.day_number).",
            required=True,
        ),
        _field(
            "cluster_number",
            pa.int32(),
            "Number of its story in this snapshot (story_stats.cluster_number).",
            required=True,
        ),
        _field(
            "is_canonical", pa.bool_(), "True for its cluster's canonical member.", required=True
        ),
        PUBLISHED_BY,
    ]
)

STORY_STATS = pa.schema(
    [
        _field(
            "cluster_number",
            pa.int32(),
            "Number of the story: in cluster_id order in a full build, new stories numbered after "
            "the previous snapshot's.",
            required=True,
        ),
        _field("cluster_id", pa.string(), "The story (documents.cluster_id).", required=True),
        _field("title", pa.string(), "Headline of its canonical document."),
        _field("copies", pa.int64(), "Documents of the story.", required=True),
        _field("outlets", pa.int64(), "Distinct publishers that carried it.", required=True),
        _field("first_date", pa.date32(), "Earliest publication date of a copy."),
        _field("last_date", pa.date32(), "Latest publication date of a copy."),
        _field(
            "cluster_size",
            pa.int32(),
            "Documents in the cluster (documents.cluster_size).",
            required=True,
        ),
        _field(
            "publishers",
            pa.string(),
            "The publishers that carried it, sorted, comma-separated.",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

ENTITIES = pa.schema(
    [
        _field(
            "entity_number", pa.int32(), "Number of the entity in this snapshot.", required=True
        ),
        _field("kind", pa.string(), "country, city, person or organisation.", required=True),
        _field("entity", pa.string(), "Canonical name (mentions.entity).", required=True),
        _field(
            "entity_key",
            pa.string(),
            "The name in lower case, as the report's entity filter compares it.",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

DOCUMENT_ENTITIES = pa.schema(
    [
        _field("doc_number", pa.int64(), "The document (document_facts).", required=True),
        _field("entity_number", pa.int32(), "The entity it names (entities).", required=True),
        _field("mentions", pa.int32(), "Times it names it (mentions.mentions).", required=True),
        PUBLISHED_BY,
    ]
)

ENTITY_DOCUMENTS = pa.schema(
    [
        _field("entity_number", pa.int32(), "An entity (entities).", required=True),
        _field(
            "doc_number", pa.int64(), "A document that names it (document_facts).", required=True
        ),
        PUBLISHED_BY,
    ]
)

PUBLISHER_DAYS = pa.schema(
    [
        _field(
            "day_number",
            pa.int64(),
            "Number of the (day, publisher) pair in this snapshot, in date order (undated last), "
            "numbered month by month as document_facts.doc_number.",
            required=True,
        ),
        _field("published_date", pa.date32(), "Publication day, null for undated documents."),
        _field("month", pa.string(), "Its month, `YYYY-MM` or `undated`.", required=True),
        _field("publisher", pa.string(), "Outlet.", required=True),
        _field("documents", pa.int64(), "Documents it published that day.", required=True),
        _field(
            "stories", pa.int64(), "Of those, canonical ones (stories of its own).", required=True
        ),
        PUBLISHED_BY,
    ]
)

DAILY_MENTIONS = pa.schema(
    [
        _field("day_number", pa.int64(), "Publisher and day (publisher_days).", required=True),
        _field("entity_number", pa.int32(), "The entity (entities).", required=True),
        _field(
            "documents", pa.int64(), "Documents of that publisher and day naming it.", required=True
        ),
        _field("mentions", pa.int64(), "Times they name it, in all.", required=True),
        PUBLISHED_BY,
    ]
)

DAILY_COMENTIONS = pa.schema(
    [
        _field("day_number", pa.int64(), "Publisher and day (publisher_days).", required=True),
        _field("country_number", pa.int32(), "One country (entities).", required=True),
        _field(
            "other_country_number",
            pa.int32(),
            "The other, whose entity number is higher.",
            required=True,
        ),
        _field(
            "documents",
            pa.int64(),
            "Documents of that publisher and day naming both.",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

_NAME_FIELDS = [
    _field("entity_number", pa.int32(), "An entity bearing the name (entities).", required=True),
    _field(
        "filter_entity_number",
        pa.int32(),
        "The number an entity filter by its name goes by: the lowest entity_number bearing it.",
        required=True,
    ),
    _field(
        "documents",
        pa.int64(),
        "Documents naming the name, once per kind bearing it.",
        required=True,
    ),
]

FILTER_NAMES = pa.schema([*_NAME_FIELDS, PUBLISHED_BY])

FREQUENT_NAMES = pa.schema(
    [
        *_NAME_FIELDS,
        _field(
            "name_bit",
            pa.int32(),
            "Its name's bit in infrequent_document_entities.frequent_names (0: most frequent).",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

_FILTER_ENTITY = _field(
    "filter_entity_number",
    pa.int32(),
    "The name filtered by (filter_names.filter_entity_number).",
    required=True,
)
_PUBLISHER = _field("publisher", pa.string(), "Outlet.", required=True)
_MONTH = _field("month", pa.string(), "Publication month, `YYYY-MM` or `undated`.", required=True)

NAME_MONTHS = pa.schema(
    [
        _FILTER_ENTITY,
        _PUBLISHER,
        _MONTH,
        _field(
            "documents",
            pa.int64(),
            "Documents of that publisher and month naming the name.",
            required=True,
        ),
        _field(
            "stories", pa.int64(), "Of those, canonical ones (stories of their own).", required=True
        ),
        PUBLISHED_BY,
    ]
)


def _name_mentions(entity_meaning: str) -> pa.Schema:
    """Per name filtered by, publisher and month, the entities named with it."""
    return pa.schema(
        [
            _FILTER_ENTITY,
            _PUBLISHER,
            _MONTH,
            _field("entity_number", pa.int32(), entity_meaning, required=True),
            _field(
                "documents",
                pa.int64(),
                "Documents of that publisher and month naming the name and the entity.",
                required=True,
            ),
            _field("mentions", pa.int64(), "Times they name the entity, in all.", required=True),
            PUBLISHED_BY,
        ]
    )


NAME_MENTIONS = _name_mentions("An entity of a frequent name (entities), named with it.")

INFREQUENT_DOCUMENT_ENTITIES = pa.schema(
    [
        _field("doc_number", pa.int64(), "The document (document_facts).", required=True),
        _field("day_number", pa.int64(), "Its publisher and day (publisher_days).", required=True),
        _field(
            "entity_number",
            pa.int32(),
            "An entity it names whose name is not frequent (entities).",
            required=True,
        ),
        _field("mentions", pa.int32(), "Times it names it (mentions.mentions).", required=True),
        _field(
            "frequent_names",
            pa.uint64(),
            "The frequent names the document names: bit frequent_names.name_bit of each.",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

NAME_COMENTIONS = pa.schema(
    [
        _FILTER_ENTITY,
        _MONTH,
        _field("country_number", pa.int32(), "One country (entities).", required=True),
        _field(
            "other_country_number",
            pa.int32(),
            "The other, whose entity number is higher.",
            required=True,
        ),
        _field(
            "documents",
            pa.int64(),
            "Documents of that month naming the name and both countries.",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

OTHER_NAME_MENTIONS = _name_mentions("An entity named with it (entities).")

_CLUSTER_NUMBER = _field(
    "cluster_number",
    pa.int32(),
    "Number of the story in this snapshot (story_stats.cluster_number).",
    required=True,
)
_CLUSTER_ID = _field("cluster_id", pa.string(), "The story (documents.cluster_id).", required=True)

STORY_OUTLETS = pa.schema(
    [
        _CLUSTER_NUMBER,
        _CLUSTER_ID,
        _field("publisher", pa.string(), "An outlet that carried the story.", required=True),
        _field(
            "outlet_rank",
            pa.int32(),
            "Its place in the order outlets ran the story: by first day (undated last), then the "
            "one holding the canonical document, then by name; 1 is the first-seen outlet.",
            required=True,
        ),
        _field("copies", pa.int64(), "Its copies of the story.", required=True),
        _field(
            "first_seen",
            pa.date32(),
            "Day it first ran a copy (a month-only date counts on the month's last day); null "
            "when all its copies are undated.",
        ),
        _field("last_seen", pa.date32(), "Day it last ran a copy, likewise."),
        _field("lag_days", pa.int32(), "Days after the story was first seen; null when undated."),
        _field(
            "role",
            pa.string(),
            "wire (a wire's story, and the outlet is not that wire), own (first, alone on that "
            "day), copied (on a later day than another outlet) or unclear (the first day beside "
            "another outlet, or undated beside others).",
            required=True,
        ),
        _field("agency", pa.string(), "The story's wire (stories.agency)."),
        _field(
            "agency_documents",
            pa.int32(),
            "Copies of the story crediting that wire (stories.agency_documents).",
            required=True,
        ),
        _field(
            "first_day_outlets",
            pa.int32(),
            "Outlets that ran the story on its first day (stories.first_day_outlets).",
            required=True,
        ),
        _field(
            "outlets",
            pa.int64(),
            "Outlets that carried the story (stories.outlets).",
            required=True,
        ),
        _field(
            "month",
            pa.string(),
            "Month the story was first seen (stories.month).",
            required=True,
        ),
        _field(
            "canonical_doc_id",
            pa.string(),
            "The story's canonical document, on the row of the outlet that ran it.",
        ),
        _field("title", pa.string(), "Headline of the canonical document, on the same row."),
        PUBLISHED_BY,
    ]
)

STORIES = pa.schema(
    [
        _CLUSTER_NUMBER,
        _CLUSTER_ID,
        _field("title", pa.string(), "Headline of its canonical document."),
        _field(
            "canonical_doc_id", pa.string(), "Its canonical document (clusters).", required=True
        ),
        _field(
            "agency",
            pa.string(),
            "The wire that wrote it: the agency most of its copies credit (dateline, byline); "
            "null when none does.",
        ),
        _field(
            "agency_documents", pa.int32(), "Copies crediting that wire (0: none).", required=True
        ),
        _field(
            "first_seen_date",
            pa.date32(),
            "Day it was first seen (a month-only date counts on the month's last day); null "
            "when every copy is undated.",
        ),
        _field(
            "first_seen_publisher",
            pa.string(),
            "Outlet that ran it first (story_outlets.outlet_rank = 1).",
            required=True,
        ),
        _field(
            "first_day_outlets",
            pa.int32(),
            "Outlets that ran it on that first day: above 1, a tie the first-seen outlet was "
            "picked from.",
            required=True,
        ),
        _field("outlets", pa.int64(), "Distinct outlets that carried it.", required=True),
        _field("copies", pa.int64(), "Documents of the story.", required=True),
        _field("last_seen_date", pa.date32(), "Day of its last dated copy."),
        _field("spread_days", pa.int32(), "Days from its first to its last dated copy."),
        _field(
            "days_to_2_outlets",
            pa.int32(),
            "Days from first seen until a second outlet ran it; null if none did (or undated).",
        ),
        _field("days_to_5_outlets", pa.int32(), "Days until a fifth outlet ran it, likewise."),
        _field("days_to_10_outlets", pa.int32(), "Days until a tenth outlet ran it, likewise."),
        _field("month", pa.string(), "Month first seen, `YYYY-MM` or `undated`.", required=True),
        PUBLISHED_BY,
    ]
)

OUTLET_PAIRS = pa.schema(
    [
        _field("leader", pa.string(), "The outlet that ran the stories first.", required=True),
        _field(
            "follower",
            pa.string(),
            "The outlet that ran them on a later day (same-day copies are no pair).",
            required=True,
        ),
        _field(
            "lag_days", pa.int32(), "Days the follower ran them after the leader.", required=True
        ),
        _field("stories", pa.int64(), "Stories it ran that many days later.", required=True),
        PUBLISHED_BY,
    ]
)

REPORT_PARTITIONS = pa.schema(
    [
        _MONTH,
        _field("documents", pa.int64(), "Documents published that month.", required=True),
        _field(
            "fingerprint",
            pa.uint64(),
            "Exclusive or of the hashes of the month's document and mention rows, as the report "
            "tables read them.",
            required=True,
        ),
        _field(
            "content_fingerprint",
            pa.uint64(),
            "The same without the documents' stories (cluster, its size, canonical or not): what "
            "the tables other than document_facts, publisher_days and name_months read.",
            required=True,
        ),
        _field("stories", pa.int64(), "Stories first seen that month.", required=True),
        _field(
            "story_fingerprint",
            pa.uint64(),
            "Exclusive or of the hashes of those stories' copies, as the story tables read them.",
            required=True,
        ),
        _field(
            "build",
            pa.string(),
            "The report queries and settings the month's rows were built with (a digest).",
            required=True,
        ),
        PUBLISHED_BY,
    ]
)

REPORT_TABLES: dict[str, pa.Schema] = {
    "report_partitions": REPORT_PARTITIONS,
    "document_facts": DOCUMENT_FACTS,
    "publisher_days": PUBLISHER_DAYS,
    "story_stats": STORY_STATS,
    "entities": ENTITIES,
    "document_entities": DOCUMENT_ENTITIES,
    "entity_documents": ENTITY_DOCUMENTS,
    "daily_mentions": DAILY_MENTIONS,
    "daily_comentions": DAILY_COMENTIONS,
    "filter_names": FILTER_NAMES,
    "frequent_names": FREQUENT_NAMES,
    "name_months": NAME_MONTHS,
    "name_mentions": NAME_MENTIONS,
    "infrequent_document_entities": INFREQUENT_DOCUMENT_ENTITIES,
    "name_comentions": NAME_COMENTIONS,
    "other_name_mentions": OTHER_NAME_MENTIONS,
    "story_outlets": STORY_OUTLETS,
    "stories": STORIES,
    "outlet_pairs": OUTLET_PAIRS,
}

TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "quarantine": QUARANTINE,
    "runs": RUNS,
    "manifest": MANIFEST,
    "line_census": LINE_CENSUS,
    "pending_reparse": PENDING_REPARSE,
    "census_learned": CENSUS_LEARNED,
    "clusters": CLUSTERS,
    "document_matches": DOCUMENT_MATCHES,
    "match_passages": MATCH_PASSAGES,
    "body_bands": BODY_BANDS,
    "body_signatures": BODY_SIGNATURES,
    "body_pairs": BODY_PAIRS,
    "mentions": MENTIONS,
    **REPORT_TABLES,
}


class SchemaContractError(ValueError):
    """A table does not match its declared schema."""


def conform(table: pa.Table, schema: pa.Schema, *, name: str) -> pa.Table:
    """Return ``table`` with exactly the declared columns, order and types.

    Raises:
        SchemaContractError: A column is missing or extra, cannot be cast, or is null where the
            schema requires a value.
    """
    missing = [field.name for field in schema if field.name not in table.column_names]
    extra = [column for column in table.column_names if column not in schema.names]
    if missing or extra:
        raise SchemaContractError(f"{name}: missing columns {missing}, unexpected columns {extra}")
    columns = []
    for field in schema:
        column = table.column(field.name)
        if not field.nullable and column.null_count:
            raise SchemaContractError(
                f"{name}.{field.name} is required but has {column.null_count} nulls"
            )
        try:
            columns.append(pc.cast(column, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise SchemaContractError(
                f"{name}.{field.name}: {column.type} does not cast to {field.type}: {error}"
            ) from error
    return pa.Table.from_arrays(columns, schema=schema)


TABLE_MEANINGS: dict[str, str] = {
    "documents": "One row per accepted file version, with its story. Partitioned by "
    "`published_month`; the `articles` view keeps the canonical documents, one per story, with "
    "`copies`.",
    "quarantine": "One row per file that did not become a document, with its reason code "
    "(`transforms/reasons.py`).",
    "runs": "One row per run that published a snapshot: parameters, code version, counts, stage "
    "times.",
    "manifest": "The files processed, one row per path: what makes runs incremental.",
    "line_census": "Keys of every file's first and last short lines, from which learned chrome "
    "is counted.",
    "pending_reparse": "Unchanged files whose learned chrome moved, left for later runs to parse "
    "again (a run parses at most as many as it adds, and at least a floor): empty when every "
    "document is parsed with the current chrome.",
    "census_learned": "What `line_census` teaches, as counted at the snapshot's run: the lines "
    "learned, the names that qualify and every site, with their distinct stories. A run of new "
    "files only counts its own rows into it rather than the whole census.",
    "clusters": "One row per story: its canonical document, size, dates and publishers. Kept "
    "in folders by the month the story was first seen (`story_month=YYYY-MM`), as are "
    "`document_matches` and `match_passages`.",
    "document_matches": "One row per copy: the canonical it matched and how similar they are. "
    "In folders by its story's month (`story_month=YYYY-MM`).",
    "match_passages": "One row per near copy: the longest passage it shares with its canonical "
    "document and what differs (lead, tail, edits); carried from run to run while both "
    "documents stay. In folders by its story's month (`story_month=YYYY-MM`).",
    "body_bands": "LSH band keys of every distinct body, append-only: what later runs match new "
    "bodies against, without hashing old ones again.",
    "body_signatures": "MinHash signatures and shingle counts of every distinct body, append-only.",
    "body_pairs": "Verified copy pairs of distinct bodies, accumulated over runs.",
    "mentions": "One row per document and entity it names; carried from run to run like the "
    "documents.",
    "report_partitions": "Report table: per month, what the report tables kept by month were "
    "built from; a run builds again only the months that changed.",
    "document_facts": "Report table: one row per document with its numbers for the reports.",
    "publisher_days": "Report table: documents and stories per publisher and day.",
    "story_stats": "Report table: one row per story with its outlets, copies and dates.",
    "entities": "Report table: every entity named, numbered.",
    "document_entities": "Report table: the entities of each document, sorted by document.",
    "entity_documents": "Report table: the documents of each entity, sorted by entity.",
    "daily_mentions": "Report table: documents naming each entity per publisher and day.",
    "daily_comentions": "Report table: documents naming each pair of countries per publisher "
    "and day.",
    "filter_names": "Report table: every name an entity filter may be given.",
    "frequent_names": "Report table: the names in more than a set share of the documents.",
    "name_months": "Report table: documents and stories naming a frequent name, per publisher "
    "and month.",
    "name_mentions": "Report table: entities named with a frequent name, per publisher and month.",
    "infrequent_document_entities": "Report table: the rows of document_entities of names that "
    "are not frequent, with the frequent names of their document.",
    "name_comentions": "Report table: pairs of countries named with a frequent name, per month.",
    "other_name_mentions": "Report table: entities named with each other name, per publisher "
    "and month.",
    "story_outlets": "Report table: one row per story and outlet that carried it: when it first "
    "ran it, its order among the outlets, and its part (wire copy, own story, copied, unclear).",
    "stories": "Report table: one row per story and how it spread: its wire, first seen (day and "
    "outlet), outlets, copies, days from first to last copy and until 2, 5 and 10 outlets.",
    "outlet_pairs": "Report table: who copies whom: per ordered pair of outlets and lag in days, "
    "the stories the follower ran after the leader.",
}


def schemas_digest(tables: Mapping[str, pa.Schema] = TABLES) -> str:
    """A digest of the tables' declared columns: names, types and nullability, in order.

    A publish records it; the next one skips the schema check of the files it links from a
    snapshot that recorded the same digest (they were checked against the same declaration).
    """
    text = "\n".join(
        f"{name}\t{schema.to_string(show_field_metadata=False, show_schema_metadata=False)}"
        for name, schema in sorted(tables.items())
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


TABLES_DOC_HEADER = """# Tables

Generated from `warehouse/schemas.py` by `python -m warehouse.schemas > docs/tables.md`; a test
fails when this file is stale. Every table is Parquet in the current snapshot
(`DIR/current/<table>/`) and a view in the DuckDB catalog and `newsetl sql`. Report-table numbers
(`doc_number`, `day_number`, `cluster_number`, `entity_number`) are valid within one snapshot
only: join on them, never keep them. How the tables are made: [design.md](design.md).
"""


def markdown_tables() -> str:
    """``docs/tables.md``: every table's meaning and columns, from the schemas."""
    sections = [TABLES_DOC_HEADER.rstrip()]
    for name, schema in TABLES.items():
        lines = [
            f"## `{name}`",
            "",
            TABLE_MEANINGS[name],
            "",
            "| column | type | required | meaning |",
            "|---|---|---|---|",
        ]
        for field in VIEW_SCHEMAS.get(name, schema):
            meaning = (field.metadata or {}).get(b"meaning", b"").decode()
            required = "yes" if not field.nullable else ""
            lines.append(f"| `{field.name}` | `{field.type}` | {required} | {meaning} |")
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    print(markdown_tables(), end="")
