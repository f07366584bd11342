"""Precision and recall of transforms.entities against the hand-labelled sample.

Usage: ``python -m bench.entities_quality [labelled.json]``. Scores are micro-averaged over
(document, entity) pairs, for people and for countries: an entity found in a document counts once
whatever its number of mentions, and names must match exactly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa

from transforms.entities import extract_mentions

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "cases" / "entities" / "labelled.json"
SCORED_KINDS = {"person": "people", "country": "countries"}


def score(labelled_path: str | Path = LABELLED, *, verbose: bool = True) -> dict[str, dict]:
    """Micro precision, recall and F1 per kind, with the misses and false finds listed.

    Returns ``{kind: {"precision", "recall", "f1", "true", "found", "correct", "missed",
    "spurious"}}`` for kind in person and country; prints a summary when ``verbose``.
    """
    documents = json.loads(Path(labelled_path).read_text())["documents"]
    table = extract_mentions(
        pa.array([d["id"] for d in documents]), pa.array([d["text"] for d in documents])
    )
    found: dict[str, set[tuple[str, str]]] = {kind: set() for kind in SCORED_KINDS}
    for row in table.to_pylist():
        if row["kind"] in found:
            found[row["kind"]].add((row["doc_id"], row["entity"]))
    results: dict[str, dict] = {}
    for kind, field in SCORED_KINDS.items():
        truth = {(d["id"], name) for d in documents for name in d[field]}
        correct = truth & found[kind]
        precision = len(correct) / len(found[kind]) if found[kind] else 1.0
        recall = len(correct) / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        results[kind] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "true": len(truth),
            "found": len(found[kind]),
            "correct": len(correct),
            "missed": sorted(truth - found[kind]),
            "spurious": sorted(found[kind] - truth),
        }
    if verbose:
        print(f"{len(documents)} documents from {labelled_path}")
        for kind, r in results.items():
            print(
                f"{kind:8} precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
                f"F1 {r['f1']:.3f}  ({r['correct']} correct of {r['found']} found, "
                f"{r['true']} labelled)"
            )
            for doc, name in r["missed"]:
                print(f"    missed   {doc}: {name}")
            for doc, name in r["spurious"]:
                print(f"    spurious {doc}: {name}")
    return results


if __name__ == "__main__":
    score(sys.argv[1] if len(sys.argv) > 1 else LABELLED)
