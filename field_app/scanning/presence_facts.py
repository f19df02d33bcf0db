"""Load the presence facts of visits in bulk: tag taps, whether a tap was required, the two-way
confirmation (models.presence -> rules.facts.Visit fields)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from field_app.models import PresenceDecision, TagTap, VisitAttempt, VisitConfirmation
from field_app.rules import facts as f


def presence_by_visit(visit_ids: Iterable[int], rows) -> dict[int, dict[str, Any]]:
    """visit id -> the presence keyword arguments of its ``facts.Visit``; ``rows(stmt_for, ids)`` runs
    a chunked select (the loader's)."""
    ids = sorted(set(visit_ids))
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    t, a = TagTap, VisitAttempt
    taps = rows(
        lambda c: (
            select(t.visit_id, t.attempt_id, a.kind, t.status, t.tapped_at, a.fix_time, t.read_counter)
            .join(a, a.id == t.attempt_id)
            .where(t.visit_id.in_(c))
            .order_by(t.id)
        ),
        ids,
    )
    for r in taps:
        out[r[0]].setdefault("taps", []).append(f.TagTap(r[1], r[2], r[3], r[4], r[5], r[6]))
    d = PresenceDecision
    for visit_id, parts in rows(lambda c: select(d.visit_id, d.parts).where(d.visit_id.in_(c)), ids):
        if (parts or {}).get("tag_required"):
            out[visit_id]["tag_required"] = True
    c_ = VisitConfirmation
    stmt = lambda c: select(c_.visit_id, c_.status, c_.expires_at).where(c_.visit_id.in_(c))  # noqa: E731
    for visit_id, status, expires_at in rows(stmt, ids):
        out[visit_id].update(confirmation=status, confirmation_expires_at=expires_at)
    for values in out.values():
        values["taps"] = tuple(values.get("taps", ()))
    return out
