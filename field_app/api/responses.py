"""Response shapes, for the OpenAPI spec; tests validate real responses against them. The caregiver
API's shapes are built from the stored rows in ``field_app.domain.views`` and named here."""

from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, RootModel

from field_app.domain.views import (
    AttemptOut,
    AttemptResultOut,
    DurationOut,
    EnrolmentItemOut,
    EnrolmentOut,
    ErrorBody,
    FaceOut,
    FamilyVisitOut,
    FenceOut,
    FixOut,
    ItemOut,
    ItemsOut,
    Out,
    PhotoQualityOut,
    PointOut,
    PresenceOut,
    RetakeOut,
    UploadOut,
    VisitOut,
)

__all__ = [
    "AttemptOut",
    "AttemptResultOut",
    "DurationOut",
    "EnrolmentItemOut",
    "EnrolmentOut",
    "ErrorBody",
    "ErrorOut",
    "FaceOut",
    "FamilyVisitOut",
    "FenceOut",
    "FixOut",
    "ItemOut",
    "ItemsOut",
    "Out",
    "PhotoQualityOut",
    "RetakeOut",
    "PointOut",
    "PresenceOut",
    "UploadOut",
    "VisitOut",
    "VisitViewOut",
    "answer",
]


def answer(model: BaseModel, status: int = 200):
    """A response built from one model: its JSON and the status."""
    return jsonify(model.model_dump(mode="json")), status


class ErrorOut(Out):
    error: ErrorBody
    retry_after_seconds: int | None = None  #: with 429 rate_limited
    photos: list[PhotoQualityOut] | None = None  #: with 422 enrolment_photos_rejected


class VisitViewOut(RootModel[VisitOut | FamilyVisitOut]):
    """The full visit for caregivers and staff; the family view for family accounts."""
