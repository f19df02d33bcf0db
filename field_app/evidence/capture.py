"""The one capture point: every commit appends a leaf for each logged row it inserted, changed or deleted.

SQLAlchemy session events, so no service has to remember the log: ``after_flush`` notes which logged
objects each flush wrote (their attribute history is still there), ``before_commit`` flushes the rest
and adds the leaves, which the commit then writes in the same transaction: an event and its leaf are
stored together or not at all. Rows written by bulk ``INSERT ... ON CONFLICT DO NOTHING``
(``services.upserts``: trail points, items) are announced in ``session.info`` with their new keys;
one leaf covers one such statement (a trail batch).
"""

from __future__ import annotations

import json
from collections import defaultdict

from flask import current_app, has_app_context
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from field_app.evidence.canonical import REGISTRY, Logged, hashed_row, key_of, logged_for, values_of
from field_app.evidence.models import EvidenceLeaf
from field_app.evidence.verifier import canonical_json, leaf_hash
from field_app.services.upserts import BULK_INSERTED
from field_app.timeutil import isoformat, now_utc

PENDING = "evidence_pending"
INSERT, UPDATE, DELETE = "insert", "update", "delete"


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)


def _enabled() -> bool:
    return has_app_context() and current_app.config.get("EVIDENCE_LOG", True)


def _changed(logged: Logged, obj) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[c].history.has_changes() for c in logged.columns)


def _after_flush(session: Session, _context) -> None:
    if not _enabled():
        return
    pending = session.info.setdefault(PENDING, {})
    for obj in session.new:
        if logged := logged_for(obj):
            pending.setdefault(id(obj), (INSERT, logged, obj))
    for obj in session.dirty:
        if (logged := logged_for(obj)) and _changed(logged, obj):
            pending.setdefault(id(obj), (UPDATE, logged, obj))
    for obj in session.deleted:
        if logged := logged_for(obj):
            # Only the key: the row is gone, its last logged hash is what an audit compares with.
            pending[id(obj)] = (DELETE, logged, key_of(logged, values_of(logged, obj)))


def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(BULK_INSERTED, None)


def _before_commit(session: Session) -> None:
    if not _enabled():
        _forget(session, None)
        return
    session.flush()  # the last changes, noted by _after_flush
    pending = session.info.pop(PENDING, {})
    bulk = session.info.pop(BULK_INSERTED, [])
    leaves = [_object_leaf(session, *entry) for entry in pending.values()]
    for model, rows in bulk:
        if (logged := REGISTRY.get(model.__tablename__)) is not None and rows:
            leaves.extend(_bulk_leaves(session, logged, rows))
    leaves = [leaf for leaf in leaves if leaf is not None]
    if leaves:  # one executemany INSERT, no ORM unit of work for the leaves
        session.execute(insert(EvidenceLeaf), leaves)


def _object_leaf(session: Session, op: str, logged: Logged, obj) -> dict | None:
    if op == DELETE:
        return make_leaf(session, logged, op, [(obj, None)], None)
    if inspect(obj).detached or inspect(obj).transient:  # rolled back to a savepoint
        return None
    values = values_of(logged, obj)
    return make_leaf(session, logged, op, [hashed_row(logged, values)], logged.visit_of(values))


def _bulk_leaves(session: Session, logged: Logged, rows: list[dict]) -> list[dict]:
    """One leaf per visit of a bulk insert, hashed from the rows as inserted (every column given), else
    as read back (a column filled by a default)."""
    if any(c not in rows[0] for c in logged.columns):
        pk = inspect(logged.model).primary_key[0]
        cols = [inspect(logged.model).attrs[c].columns[0].label(c) for c in logged.columns]
        keys = [row[pk.key] for row in rows]
        rows = session.execute(select(*cols).where(pk.in_(keys)).order_by(pk)).mappings().all()
    by_visit = defaultdict(list)
    for row in rows:
        by_visit[logged.visit_of(row)].append(hashed_row(logged, row))
    return [make_leaf(session, logged, INSERT, hashed, visit) for visit, hashed in by_visit.items()]


def make_leaf(session: Session, logged: Logged, op: str, hashed: list, visit) -> dict:
    """A leaf's row for rows of one table (one row, or a batch): [(key, sha256 or None for a delete)]."""
    visit_id = _visit_id(session, visit)
    data = {
        "v": 1,
        "table": logged.table,
        "op": op,
        "at": isoformat(now_utc()),
        "visit_id": visit_id,
        "rows": [{"key": key, "sha256": digest} for key, digest in hashed],
    }
    body = canonical_json(data)
    return {
        "table_name": logged.table,
        "op": op,
        "row_key": hashed[0][0] if len(hashed) == 1 else None,
        "visit_id": visit_id,
        "data": body.decode(),
        "leaf_hash": leaf_hash(body),
        "created_at": now_utc(),
    }


def _visit_id(session: Session, visit) -> int | None:
    if visit is None or isinstance(visit, int):
        return visit
    from field_app.models import Visit  # a uuid (audit entries name visits by their public id)

    with session.no_autoflush:
        return session.scalar(select(Visit.id).where(Visit.uuid == str(visit)))


def leaf_data(leaf: EvidenceLeaf) -> dict:
    return json.loads(leaf.data)
