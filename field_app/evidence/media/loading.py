"""Clip facts for the rule scanner (core selects, plain dataclasses), called by ``scanning.loader``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from field_app.evidence.media.models import REQUEST_MISSED, Clip, ClipRequest
from field_app.extensions import db
from field_app.rules import facts as f

CHUNK = 900


def _clip(r) -> f.Clip:
    return f.Clip(
        id=r.id,
        visit_id=r.visit_id,
        caregiver_id=r.caregiver_id,
        sha256=r.sha256,
        received_at=r.received_at,
        duration_s=r.duration_s,
        audio_fingerprint=tuple(r.audio_fingerprint or ()),
        keyframe_hashes=tuple(r.keyframe_hashes or ()),
    )


def clips_by_visit(visit_ids: Iterable[int]) -> dict[int, list[f.Clip]]:
    ids, out = sorted(set(visit_ids)), defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        for r in db.session.execute(
            select(Clip.__table__).where(Clip.visit_id.in_(ids[start : start + CHUNK]))
        ):
            out[r.visit_id].append(_clip(r))
    return out


def missed_requests_by_visit(visit_ids: Iterable[int]) -> dict[int, list[datetime]]:
    ids, out = sorted(set(visit_ids)), defaultdict(list)
    r = ClipRequest
    for start in range(0, len(ids), CHUNK):
        stmt = select(r.visit_id, r.deadline).where(
            r.visit_id.in_(ids[start : start + CHUNK]), r.status == REQUEST_MISSED
        )
        for visit_id, deadline in db.session.execute(stmt):
            out[visit_id].append(deadline)
    return out


def load_prior_clips(since: datetime, until: datetime) -> tuple[f.Clip, ...]:
    """Every clip received in [since, until): re-use is looked for across caregivers and agencies."""
    rows = db.session.execute(
        select(Clip.__table__).where(Clip.received_at >= since, Clip.received_at < until).order_by(Clip.id)
    )
    return tuple(_clip(r) for r in rows)
