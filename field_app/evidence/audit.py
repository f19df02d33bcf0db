"""``flask evidence audit``: re-hash what is stored and compare it with the log, then the log with its heads.

Three passes, each reporting every discrepancy (not just the first):
1. the leaves: each leaf's data re-hashed, sequence numbers without gaps, and the tree rebuilt from
   them must give the root every signed head signed (a leaf edited, deleted or the table truncated);
2. the heads: each signature checked with the log's key;
3. the rows: every logged table read in full, each row re-hashed and compared with the hash its
   latest leaf recorded: changed (hashes differ), deleted (logged, gone), inserted (no leaf at all).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import inspect, select

from field_app.evidence import merkle
from field_app.evidence.canonical import REGISTRY, Logged, hashed_row
from field_app.evidence.heads import head_json
from field_app.evidence.models import EvidenceLeaf, TreeHead
from field_app.evidence.verifier import ProofError, leaf_hash, node_hash, verify_tree_head
from field_app.extensions import db

CHUNK = 10_000


@dataclass(frozen=True)
class Finding:
    kind: str  #: changed | deleted | inserted | leaf_altered | leaf_missing | head_mismatch | bad_signature
    table: str
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.table}:{self.key} — {self.detail}"


def _leaves() -> Iterator:
    """(id, seq, data, leaf_hash) rows in id order, a chunk at a time (plain rows: no identity map)."""
    cols = (EvidenceLeaf.id, EvidenceLeaf.seq, EvidenceLeaf.data, EvidenceLeaf.leaf_hash)
    last = 0
    while True:
        chunk = db.session.execute(
            select(*cols).where(EvidenceLeaf.id > last).order_by(EvidenceLeaf.id).limit(CHUNK)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def _check_leaves(expected: dict, findings: list[Finding]) -> dict[int, bytes]:
    """Pass 1 (data) and the expected row hashes; returns the re-computed leaf hash of every seq."""
    by_seq: dict[int, bytes] = {}
    for leaf in _leaves():
        body = leaf.data.encode()
        digest = leaf_hash(body)
        if digest != bytes(leaf.leaf_hash):
            findings.append(
                Finding(
                    "leaf_altered", "evidence_leaves", str(leaf.id), "its data does not hash to its leaf hash"
                )
            )
        if leaf.seq is not None:
            by_seq[leaf.seq] = digest
        data = json.loads(body)
        for row in data["rows"]:
            expected.setdefault(data["table"], {})[row["key"]] = (row["sha256"], leaf.seq, leaf.id)
    return by_seq


def _check_heads(by_seq: dict[int, bytes], public_pem: str, findings: list[Finding]) -> None:
    size = max(by_seq, default=-1) + 1
    gaps = [s for s in range(size) if s not in by_seq]
    for s in gaps[:100]:
        findings.append(Finding("leaf_missing", "evidence_leaves", f"seq {s}", "a sequenced leaf is gone"))
    heads = db.session.scalars(select(TreeHead).order_by(TreeHead.tree_size, TreeHead.id)).all()
    stack: list[tuple[int, bytes]] = []  # the compact range of (level, hash), left to right
    built = 0
    for head in heads:
        try:
            verify_tree_head(head_json(head), public_pem)
        except ProofError as exc:
            findings.append(Finding("bad_signature", "evidence_tree_heads", str(head.id), str(exc)))
        while built < min(head.tree_size, size):
            h, level = by_seq.get(built, b"\0" * 32), 0
            while stack and stack[-1][0] == level:
                h, level = node_hash(stack.pop()[1], h), level + 1
            stack.append((level, h))
            built += 1
        got = merkle.fold([h for _, h in stack]) if stack and built == head.tree_size else None
        if got != bytes(head.root_hash):
            findings.append(
                Finding("head_mismatch", "evidence_tree_heads", str(head.id),
                        f"the stored leaves no longer give the root signed for tree size {head.tree_size}")
            )  # fmt: skip


def _rows(logged: Logged) -> Iterator[dict]:
    mapper = inspect(logged.model)
    cols = [mapper.attrs[c].columns[0].label(c) for c in logged.columns]
    yield from db.session.execute(select(*cols).execution_options(yield_per=CHUNK)).mappings()


def _check_rows(logged: Logged, expected: dict, findings: list[Finding]) -> None:
    seen = set()
    for row in _rows(logged):
        key, digest = hashed_row(logged, row)
        seen.add(key)
        logged_hash = expected.get(key)
        if logged_hash is None or logged_hash[0] is None:
            what = (
                "no leaf logs this row"
                if logged_hash is None
                else "the row was deleted through the application"
            )
            findings.append(Finding("inserted", logged.table, key, what))
        elif logged_hash[0] != digest:
            findings.append(
                Finding(
                    "changed", logged.table, key, f"differs from leaf {logged_hash[2]} (seq {logged_hash[1]})"
                )
            )
    for key, (digest, seq, leaf_id) in expected.items():
        if digest is not None and key not in seen:
            findings.append(
                Finding(
                    "deleted", logged.table, key, f"logged by leaf {leaf_id} (seq {seq}), no longer stored"
                )
            )


def run(public_pem: str) -> list[Finding]:
    """Every discrepancy between the stored events, the leaves and the signed heads."""
    findings: list[Finding] = []
    expected: dict[str, dict] = {}
    by_seq = _check_leaves(expected, findings)
    _check_heads(by_seq, public_pem, findings)
    for table, logged in REGISTRY.items():
        _check_rows(logged, expected.get(table, {}), findings)
    return findings
