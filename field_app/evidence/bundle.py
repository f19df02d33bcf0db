"""A visit's evidence bundle: its events, their leaves and inclusion proofs, a signed head, the key.

Self-contained: ``verifier.py`` checks it with nothing but the bundle (see the README). Rows are given
with their current values where the leaf is the row's latest state; an earlier state of a row (a visit
before its check-out) is proven by its leaf hash alone, since the log keeps hashes, not old copies.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import or_, select

from field_app.errors import NotFound
from field_app.evidence import heads, log
from field_app.evidence.canonical import REGISTRY, canonical_row, key_of
from field_app.evidence.models import EvidenceLeaf, TreeHead
from field_app.evidence.verifier import BUNDLE_FORMAT
from field_app.extensions import db
from field_app.models import AuditEntry, Visit, alert_visits
from field_app.timeutil import isoformat


def _visit_leaves(visit: Visit) -> list[EvidenceLeaf]:
    alert_ids = [
        str(a)
        for a in db.session.scalars(
            select(alert_visits.c.alert_id).where(alert_visits.c.visit_id == visit.id)
        )
    ]
    attempt_uuids = [a.uuid for a in visit.attempts]
    entries = db.session.scalars(
        select(AuditEntry.id).where(
            or_(
                (AuditEntry.subject_type == "alert") & AuditEntry.subject_id.in_(alert_ids),
                (AuditEntry.subject_type == "attempt") & AuditEntry.subject_id.in_(attempt_uuids),
            )
        )
    ).all()
    keyed = [("alerts", alert_ids), ("audit_log", [str(e) for e in entries])]
    conditions = [EvidenceLeaf.visit_id == visit.id]
    conditions += [
        (EvidenceLeaf.table_name == t) & EvidenceLeaf.row_key.in_(keys) for t, keys in keyed if keys
    ]
    return db.session.scalars(select(EvidenceLeaf).where(or_(*conditions)).order_by(EvidenceLeaf.seq)).all()


def _head_covering(leaves: list[EvidenceLeaf], signer: heads.Signer, now: datetime) -> TreeHead:
    needed = max(leaf.seq for leaf in leaves) + 1 if leaves else 0
    head = heads.latest()
    if head is None or head.tree_size < needed:
        head = heads.sign_head(signer, now)
    return head


def _first_head_covering(size: int) -> TreeHead | None:
    return db.session.scalars(
        select(TreeHead).where(TreeHead.tree_size >= size).order_by(TreeHead.tree_size, TreeHead.id)
    ).first()


def _current_rows(table: str, keys: list[str]) -> dict[str, dict]:
    logged = REGISTRY[table]
    model = logged.model
    pk = next(iter(model.__table__.primary_key.columns))
    wanted = [int(k) if pk.type.python_type is int else k for k in keys]
    found = {}
    for obj in db.session.scalars(select(model).where(pk.in_(wanted))):
        values = {c: getattr(obj, c) for c in logged.columns}
        found[key_of(logged, values)] = canonical_row(logged, values)
    return found


def _events(leaves: list[EvidenceLeaf], size: int) -> list[dict]:
    latest: dict[tuple[str, str], int] = {}
    datas = [json.loads(leaf.data) for leaf in leaves]
    for n, data in enumerate(datas):
        for row in data["rows"]:
            latest[(data["table"], row["key"])] = n
    wanted: dict[str, list[str]] = {}
    for table, key in latest:
        wanted.setdefault(table, []).append(key)
    current = {t: _current_rows(t, keys) for t, keys in wanted.items() if t in REGISTRY}
    events = []
    for n, (leaf, data) in enumerate(zip(leaves, datas, strict=True)):
        keys = [r["key"] for r in data["rows"] if latest[(data["table"], r["key"])] == n and r["sha256"]]
        rows = [
            {"key": k, "values": current[data["table"]][k]}
            for k in keys
            if k in current.get(data["table"], {})
        ]
        events.append(
            {
                "leaf_index": leaf.seq,
                "leaf_hash": bytes(leaf.leaf_hash).hex(),
                "table": data["table"],
                "op": data["op"],
                "leaf_data": data,
                "rows": rows,
                "missing_rows": sorted(set(keys) - {r["key"] for r in rows}),
                "inclusion_proof": [h.hex() for h in log.inclusion_proof(leaf.seq, size)],
            }
        )
    return events


def export(visit_uuid: str, signer: heads.Signer, now: datetime) -> dict:
    """The bundle for one visit (by its public id); signs a new tree head when none covers it yet."""
    visit = db.session.scalar(select(Visit).where(Visit.uuid == visit_uuid))
    if visit is None:
        raise NotFound("visit_not_found", "No visit {visit_id}.", None, visit_id=visit_uuid)
    log.sequence()
    leaves = _visit_leaves(visit)
    head = _head_covering(leaves, signer, now)
    bundle = {
        "format": BUNDLE_FORMAT,
        "visit_id": visit.uuid,
        "exported_at": isoformat(now),
        "public_key": signer.public_pem(),
        "tree_head": heads.head_json(head),
        "events": _events(leaves, head.tree_size),
        "earlier_heads": [],
    }
    first = _first_head_covering(max((leaf.seq for leaf in leaves), default=-1) + 1)
    if first is not None and first.tree_size < head.tree_size:
        proof = log.consistency_proof(first.tree_size, head.tree_size)
        bundle["earlier_heads"].append(
            {"tree_head": heads.head_json(first), "consistency_proof": [h.hex() for h in proof]}
        )
    return bundle
