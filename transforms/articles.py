"""From raw file bytes to article records: the per-shard transform of the pipeline.

Everything between "these are the bytes of a file" and "this is a document row" happens here,
columnar over a whole shard: decode, normalise, parse the date header, remove page chrome, parse
headline, byline and dateline, attribute the publisher, detect the language and hash the body.
Files that cannot become documents come out as quarantine rows with a reason, never dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from transforms.agencies import credited_agencies
from transforms.boilerplate import select_main_text, strip_chrome
from transforms.census import LearnedChrome, census_table
from transforms.decode import decode_bytes
from transforms.header import (
    DatePrecision,
    DateSource,
    PlausibleDates,
    dateline_dates,
    parse_date_headers,
    strip_date_headers,
)
from transforms.language import detect_languages
from transforms.normalise import normalise_text
from transforms.publishers import PublisherRules, attribute_publishers, sites_of
from transforms.reasons import QuarantineReason
from transforms.records import TEXTS_SCHEMA, quarantine_rows
from transforms.structure import parse_structure
from transforms.word_count import SHORT_BODY_WORDS, word_counts

DOC_ID_HEX = 20  # 80 bits: collision odds stay below 1e-12 for a corpus of a billion files.


@dataclass(frozen=True, slots=True)
class ParsedShard:
    """The rows a step passes on for one shard, and the files it quarantined.

    The rows are documents, or for :func:`normalise_files` each decoded file's normalised text.
    """

    documents: pa.Table
    quarantine: pa.Table


def document_id(source_path: str, raw_sha256: str) -> str:
    """A document's id: the same for the same bytes at the same path, new when either changes."""
    return xxhash.xxh3_128_hexdigest(f"{source_path}\0{raw_sha256}".encode())[:DOC_ID_HEX]


def content_hashes(bodies: pa.Array, titles: pa.Array, word_counts: pa.Array) -> pa.Array:
    """A 128-bit hash of each body's UTF-8 text, the key of exact deduplication.

    A body of fewer than ``SHORT_BODY_WORDS`` words is hashed with its headline: two short
    notices with the same words and different headlines are different stories.
    """
    hashes = []
    for body, title, words in zip(
        bodies.to_pylist(), titles.to_pylist(), word_counts.to_pylist(), strict=True
    ):
        text = body if words >= SHORT_BODY_WORDS else f"{title or ''}\0{body}"
        hashes.append(xxhash.xxh3_128_hexdigest(text.encode()))
    return pa.array(hashes, pa.string())


def normalise_files(files: pa.Table) -> ParsedShard:
    """Decode and normalise one shard of raw files: the steps of parsing that need no census.

    A function of each file's bytes alone, so its output can be staged and parsed later with
    the chrome the whole run's census learned (:func:`parse_texts`).

    Args:
        files: ``source_path`` and ``raw`` bytes per file (see ``FILES_SCHEMA``).

    Returns:
        As ``documents``, a ``TEXTS_SCHEMA`` row per decoded file, in input order; as
        ``quarantine``, a row per file that cannot be decoded (empty, binary, undecodable).
    """
    paths: list[str] = []
    sizes: list[int] = []
    shas: list[str] = []
    texts: list[str] = []
    encodings: list[str] = []
    rejected: list[dict[str, object]] = []
    for path, raw in zip(
        files.column("source_path").to_pylist(), files.column("raw").to_pylist(), strict=True
    ):
        sha = hashlib.sha256(raw).hexdigest()
        result = decode_bytes(raw)
        if result.text is None or result.encoding is None:
            rejected.append(
                {
                    "source_path": path,
                    "reason": str(result.reason),
                    "detail": result.detail,
                    "bytes": len(raw),
                    "raw_sha256": sha,
                }
            )
            continue
        paths.append(path)
        sizes.append(len(raw))
        shas.append(sha)
        texts.append(result.text)
        encodings.append(result.encoding)
    normalised = pa.table(
        {
            "source_path": pa.array(paths, pa.string()),
            "raw_sha256": pa.array(shas, pa.string()),
            "bytes": sizes,
            "encoding": encodings,
            "text": normalise_text(pa.array(texts, pa.string())),
        },
        schema=TEXTS_SCHEMA,
    )
    return ParsedShard(normalised, quarantine_rows(rejected))


def census_texts(texts: pa.Table, rules: PublisherRules | None = None) -> pa.Table:
    """The chrome census of a shard's normalised texts: one row per distinct edge line of each.

    Columns ``source_path``, ``site``, ``story_key``, ``line_key`` and ``name`` (see
    :mod:`transforms.census`). A function of each file's normalised text and path alone.

    Args:
        texts: ``TEXTS_SCHEMA`` rows (:func:`normalise_files`).
        rules: The user's publisher mapping and signatures (default: the built-in signatures).
    """
    paths = texts.column("source_path").combine_chunks()
    sites = sites_of(paths, rules or PublisherRules()).site
    census = census_table(strip_date_headers(texts.column("text").combine_chunks()), sites)
    return census.set_column(0, "source_path", pc.take(paths, census.column("document")))


def census_files(files: pa.Table, rules: PublisherRules | None = None) -> pa.Table:
    """The chrome census of a shard of raw files (:func:`census_texts` of their texts).

    Files that cannot be decoded have no lines.
    """
    return census_texts(normalise_files(files).documents, rules)


def parse_articles(
    files: pa.Table,
    *,
    rules: PublisherRules | None = None,
    learned: LearnedChrome | None = None,
    plausible_dates: PlausibleDates | None = None,
) -> ParsedShard:
    """Turn one shard of raw files into document rows and quarantine rows.

    :func:`normalise_files`, then :func:`parse_texts`: what a run does in two passes, with the
    census counted in between.

    Args:
        files: ``source_path`` and ``raw`` bytes per file (see ``FILES_SCHEMA``).
        rules: The user's publisher mapping and signatures (default: the built-in signatures).
        learned: What the corpus census learned: each site's chrome and name.
        plausible_dates: Publication dates to believe; runs pass the range of their date.

    Returns:
        Documents (every column of the ``documents`` table except the cluster and run columns)
        and quarantine rows. Every input file is in exactly one of them.
    """
    normalised = normalise_files(files)
    parsed = parse_texts(
        normalised.documents, rules=rules, learned=learned, plausible_dates=plausible_dates
    )
    return ParsedShard(
        parsed.documents, pa.concat_tables([normalised.quarantine, parsed.quarantine])
    )


def parse_texts(
    texts: pa.Table,
    *,
    rules: PublisherRules | None = None,
    learned: LearnedChrome | None = None,
    plausible_dates: PlausibleDates | None = None,
) -> ParsedShard:
    """Turn one shard of normalised texts into document rows and quarantine rows.

    Args:
        texts: ``TEXTS_SCHEMA`` rows (:func:`normalise_files`).
        rules: The user's publisher mapping and signatures (default: the built-in signatures).
        learned: What the corpus census learned: each site's chrome and name.
        plausible_dates: Publication dates to believe; runs pass the range of their date.

    Returns:
        Documents (every column of the ``documents`` table except the cluster and run columns)
        and quarantine rows (``no_text``: nothing of an article left). Every text is in exactly
        one of them.
    """
    source_path, raw_sha256, sizes, encodings, normalised = (
        texts.column(name).combine_chunks() for name in TEXTS_SCHEMA.names
    )
    paths, shas = source_path.to_pylist(), raw_sha256.to_pylist()
    rejected: list[dict[str, object]] = []
    rules = rules or PublisherRules()
    learned = learned or LearnedChrome.nothing()
    headers = parse_date_headers(normalised, plausible_dates)
    sites = sites_of(source_path, rules)
    cleaned = strip_chrome(headers.texts, sites=sites.site, learned=learned.keys)
    structure = parse_structure(cleaned.texts, main_text=select_main_text)
    # A site's learned name is evidence for the pages that carry the site's chrome.
    carries = cleaned.learned_lines > 0
    publisher = attribute_publishers(
        headers.texts,
        sites,
        rules,
        learned_names=pc.if_else(pa.array(carries), learned.names_of(sites.site), None),
        title_sites=structure.site_name,
    )
    agency = credited_agencies(
        structure.dateline_agency, structure.byline, structure.sign_off, headers.texts
    )
    # Without a date header, a dateline's date stands in, with the year from context.
    from_dateline = dateline_dates(structure.dateline_date, source_path, plausible_dates)
    no_header = pc.equal(headers.date_precision, DatePrecision.NONE)
    use_dateline = pc.and_(no_header, pc.is_valid(from_dateline))
    published_date = pc.if_else(use_dateline, from_dateline, headers.published_date)
    date_precision = pc.if_else(use_dateline, DatePrecision.DAY, headers.date_precision)
    date_source = pc.case_when(
        pc.make_struct(use_dateline, pc.is_valid(headers.published_date)),
        DateSource.DATELINE,
        DateSource.HEADER,
        DateSource.NONE,
    )
    body = structure.body
    word_count = word_counts(body)
    documents = pa.table(
        {
            "doc_id": pa.array(
                [document_id(p, s) for p, s in zip(paths, shas, strict=True)], pa.string()
            ),
            "source_path": source_path,
            "raw_sha256": raw_sha256,
            "bytes": sizes,
            "encoding": encodings,
            "published_date": published_date,
            "date_precision": date_precision,
            "date_source": date_source,
            "title": structure.title,
            "subtitle": structure.subtitle,
            "byline": structure.byline,
            "dateline": structure.dateline,
            "dateline_place": structure.dateline_place,
            "dateline_agency": structure.dateline_agency,
            "publisher": publisher,
            "agency": agency,
            "language": detect_languages(body),
            "body": body,
            "word_count": word_count,
            "content_hash": content_hashes(body, structure.title, word_count),
        }
    )
    empty = pc.equal(word_count, 0)
    if pc.any(empty).as_py():
        for row in (
            documents.filter(empty).select(["source_path", "bytes", "raw_sha256"]).to_pylist()
        ):
            rejected.append(
                {**row, "reason": str(QuarantineReason.NO_TEXT), "detail": "no article text left"}
            )
        documents = documents.filter(pc.invert(empty))
    return ParsedShard(documents, quarantine_rows(rejected))
