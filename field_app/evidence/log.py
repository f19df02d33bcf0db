"""The stored Merkle log: sequencing new leaves, subtree look-ups, roots and proofs at any size.

The sequencer gives leaves written by committed transactions their places (``seq``) in arrival order
and stores the perfect subtrees they complete, under a lock so that only one sequences at a time
(PostgreSQL: a transaction-level advisory lock; SQLite: its single writer). A leaf is never changed
after that; a proof at any tree size is one query for O(log n) stored hashes.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, or_, select, text, tuple_, update

from field_app.evidence import merkle
from field_app.evidence.models import EvidenceLeaf, EvidenceNode
from field_app.extensions import db

SEQUENCER_LOCK = 615_000_001  #: pg_advisory_xact_lock key of the sequencer
BATCH = 5_000


def tree_size() -> int:
    last = db.session.scalar(select(func.max(EvidenceLeaf.seq)))
    return 0 if last is None else last + 1


def fetch(keys: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes of perfect subtrees: level 0 from the leaves, higher levels from evidence_nodes."""
    found: dict[merkle.Node, bytes] = {}
    leaves = [i for level, i in keys if level == 0]
    if leaves:
        rows = db.session.execute(
            select(EvidenceLeaf.seq, EvidenceLeaf.leaf_hash).where(EvidenceLeaf.seq.in_(leaves))
        )
        found.update({(0, seq): bytes(h) for seq, h in rows})
    nodes = [k for k in keys if k[0] > 0]
    for start in range(0, len(nodes), 500):
        chunk = nodes[start : start + 500]
        rows = db.session.execute(
            select(EvidenceNode.level, EvidenceNode.index, EvidenceNode.hash).where(_node_in(chunk))
        )
        found.update({(level, i): bytes(h) for level, i, h in rows})
    return found


def _node_in(keys: list[merkle.Node]):
    if db.session.get_bind().dialect.name == "postgresql":
        return tuple_(EvidenceNode.level, EvidenceNode.index).in_(keys)
    return or_(*[(EvidenceNode.level == level) & (EvidenceNode.index == i) for level, i in keys])


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK})


def sequence(limit: int | None = None) -> int:
    """Place committed leaves in the tree (oldest first); returns how many were placed. Flushes only."""
    _lock()
    placed = 0
    while limit is None or placed < limit:
        size = tree_size()
        want = BATCH if limit is None else min(BATCH, limit - placed)
        pending = db.session.execute(
            select(EvidenceLeaf.id, EvidenceLeaf.leaf_hash)
            .where(EvidenceLeaf.seq.is_(None))
            .order_by(EvidenceLeaf.id)
            .limit(want)
        ).all()
        if not pending:
            break
        frontier = fetch(set(merkle.perfect_nodes(0, size)))
        # Core executemany by primary key: no ORM objects for thousands of leaves a minute.
        db.session.execute(
            update(EvidenceLeaf.__table__).where(EvidenceLeaf.__table__.c.id == bindparam("leaf_id")),
            [{"leaf_id": leaf_id, "seq": size + n} for n, (leaf_id, _h) in enumerate(pending)],
        )
        created = merkle.append(size, frontier, [bytes(h) for _id, h in pending])
        if created:
            db.session.execute(
                insert(EvidenceNode), [{"level": lv, "index": i, "hash": h} for (lv, i), h in created.items()]
            )
        placed += len(pending)
    return placed


def root(size: int) -> bytes:
    return merkle.root(size, fetch)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, size, fetch)


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    return merkle.consistency_proof(size1, size2, fetch)
