"""The insured person's module (参保人): confirming a visit and rating it; the star ratings it rolls up to.

A family account (bound to one client) answers once per finished visit of that client: did the visit
happen, how many stars, a comment. The answer is final (a second one is 409 feedback_exists): it is
evidence, and a denial raises alert C01 at the next scan. Supervisors, auditors and admins read the
ratings of the caregivers and agencies they see (星级).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from flask import Blueprint
from pydantic import Field, StringConstraints

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import Out, answer
from field_app.api.schemas import StrictModel
from field_app.errors import NotFound
from field_app.models.user import ADMIN, AUDITOR, FAMILY, SUPERVISOR
from field_app.security import current_user, ensure_visible, require
from field_app.services import feedback
from field_app.services.lookup import visit_or_none
from field_app.timeutil import isoformat, now_utc

bp = Blueprint("feedback", __name__)


class FeedbackIn(StrictModel):
    confirmed: bool = Field(description="False: the visit did not happen (raises alert C01)")
    rating: int | None = Field(None, ge=1, le=5, description="Stars, 1-5")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class FeedbackOut(Out):
    visit_id: str
    confirmed: bool
    rating: int | None
    comment: str | None
    at: str

    @classmethod
    def of(cls, visit, saved) -> FeedbackOut:
        return cls(
            visit_id=visit.uuid,
            confirmed=saved.confirmed,
            rating=saved.rating,
            comment=saved.comment,
            at=isoformat(saved.at),
        )


class RatingOut(Out):
    id: int
    name: str
    agency_id: int
    average_stars: float | None
    ratings: int
    feedback: int
    denials: int


class RatingsOut(Out):
    """Best first: by average stars (unrated last), then by the number of ratings."""

    ratings: list[RatingOut]


@bp.post("/visits/<visit_id>/feedback")
@require(FAMILY)
@documented(
    "The family confirms (or denies) a finished visit and rates it",
    body=FeedbackIn,
    responses={201: FeedbackOut},
    errors=("visit_not_found", "visit_open", "feedback_exists"),
    tag="family",
)
def post_feedback(visit_id: str):
    """One answer per visit, final; 409 visit_open before check-out, 409 feedback_exists for a second one."""
    body = parse_body(FeedbackIn)
    visit = visit_or_none(visit_id)
    ensure_visible(current_user(), visit, NotFound("visit_not_found", f"No visit {visit_id}."))
    saved = feedback.submit(
        current_user(), visit, body.confirmed, body.rating, body.comment or None, now_utc()
    )
    return answer(FeedbackOut.of(visit, saved), 201)


def _ratings(by: str):
    return answer(RatingsOut(ratings=[RatingOut(**asdict(r)) for r in feedback.ratings(current_user(), by)]))


@bp.get("/ratings/caregivers")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented("Star ratings per caregiver (星级)", responses={200: RatingsOut}, tag="review")
def caregiver_ratings():
    return _ratings("caregiver")


@bp.get("/ratings/agencies")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented("Star ratings per agency (星级)", responses={200: RatingsOut}, tag="review")
def agency_ratings():
    return _ratings("agency")
