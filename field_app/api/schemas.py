"""Request bodies of the API. The shapes services consume live below them, in ``field_app.domain.shapes``;
this module names them for the API's blueprints."""

from field_app.domain.shapes import (
    AttemptIn,
    CheckInIn,
    CheckOutIn,
    EnrolmentDecisionIn,
    EnrolmentIn,
    FixIn,
    ItemIn,
    ItemsIn,
    StrictModel,
    TrailBatchIn,
    TrailPointIn,
)

__all__ = [
    "AttemptIn",
    "CheckInIn",
    "CheckOutIn",
    "EnrolmentDecisionIn",
    "EnrolmentIn",
    "FixIn",
    "ItemIn",
    "ItemsIn",
    "StrictModel",
    "TrailBatchIn",
    "TrailPointIn",
]
