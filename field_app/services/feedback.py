"""The client's or family's word on a visit (参保人评价反馈) and the star ratings it rolls up to (星级).

One answer per visit, never edited: a denial is evidence that raises rule C01 (family_denied), and
an answer that could be changed later would let a caregiver talk a family into withdrawing it quietly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from field_app.domain.scope import agency_ids
from field_app.errors import Conflict, DomainError
from field_app.extensions import db
from field_app.models import Agency, Caregiver, User, Visit, VisitFeedback
from field_app.models.visit import CLOSED
from field_app.services import audit


def submit(
    user: User, visit: Visit, confirmed: bool, rating: int | None, comment: str | None, now: datetime
) -> VisitFeedback:
    """Store the family's answer for a closed visit and mark the visit changed for the next scan."""
    if visit.state != CLOSED:
        raise Conflict("visit_open", "Feedback is for finished visits: this one has not been checked out.")
    if db.session.scalar(select(VisitFeedback.id).where(VisitFeedback.visit_id == visit.id)) is not None:
        raise feedback_exists(visit.uuid)
    feedback = VisitFeedback(
        visit_id=visit.id, user_id=user.id, confirmed=confirmed, rating=rating, comment=comment, at=now
    )
    db.session.add(feedback)
    visit.changed_at = now  # the incremental scan picks the visit up again (rule C01 on a denial)
    audit.record(f"user:{user.id}", "visit.feedback", "visit", visit.uuid, confirmed=confirmed, rating=rating)
    try:
        db.session.flush()
    except IntegrityError:  # another answer for the same visit won the race
        raise feedback_exists(visit.uuid) from None
    return feedback


def feedback_exists(visit_uuid: str) -> DomainError:
    return Conflict("feedback_exists", f"Visit {visit_uuid} already has the family's answer; it is final.")


@dataclass(frozen=True)
class Rating:
    id: int
    name: str
    agency_id: int
    average_stars: float | None  #: mean of the given stars, 2 decimals; None when nobody rated
    ratings: int  #: answers with stars
    feedback: int  #: all answers
    denials: int  #: answers saying the visit did not happen


def ratings(user: User, by: str) -> list[Rating]:
    """Star ratings per caregiver or per agency over the caller's agencies, best first."""
    owner, owner_agency = (Caregiver, Caregiver.agency_id) if by == "caregiver" else (Agency, Agency.id)
    fb = VisitFeedback
    key = Visit.caregiver_id if by == "caregiver" else Visit.agency_id
    stmt = (
        select(
            owner.id,
            owner.name,
            owner_agency,
            func.avg(fb.rating),
            func.count(fb.rating),
            func.count(fb.id),
            func.sum(case((fb.confirmed.is_(False), 1), else_=0)),
        )
        .join(Visit, Visit.id == fb.visit_id)
        .join(owner, owner.id == key)
        .group_by(owner.id, owner.name, owner_agency)
    )
    scope = agency_ids(user)
    if scope is not None:
        stmt = stmt.where(Visit.agency_id.in_(sorted(scope)))
    rows = [
        Rating(i, name, agency, None if avg is None else round(float(avg), 2), n, total, int(denied or 0))
        for i, name, agency, avg, n, total, denied in db.session.execute(stmt)
    ]
    return sorted(rows, key=lambda r: (r.average_stars is None, -(r.average_stars or 0), -r.ratings, r.id))
