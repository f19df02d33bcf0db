"""Run the face and geofence checks of one attempt and turn their outcomes into plain values.

The expensive face step runs before anything is written, so a refused request stores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from field_app.domain.shapes import FixIn
from field_app.errors import DomainError, Invalid, TooLarge, Unsupported
from field_app.models import Client
from field_app.rules.facts import FACE_MATCHED, FACE_MISMATCH
from field_app.verification.datum import to_wgs84
from field_app.verification.face import FaceError, FaceSettings, analyse_photo, match_face
from field_app.verification.geofence import Fence, FenceResult, check_fix
from field_app.verification.images import ImageError, ImageLimits
from field_app.verification.quality import QualityLimits

#: ImageError code -> the kind of refusal (anything else is an invalid image)
IMAGE_REFUSALS: dict[str, type[DomainError]] = {"image_too_large": TooLarge, "image_unsupported": Unsupported}


def image_refusal(exc: ImageError, field: str) -> DomainError:
    """A photo that cannot be used at all, as the domain error to raise."""
    return IMAGE_REFUSALS.get(exc.code, Invalid)(exc.code, exc.message, field)


#: a face error's retake reason, in ``verification.quality.RETAKE_HINTS`` terms
FACE_ERROR_REASON = {"face_too_small": "small"}


@dataclass(frozen=True)
class FaceOutcome:
    """What the face check concluded about one selfie."""

    status: str  #: rules.facts FACE_* value
    threshold: float
    distance: float | None = None
    encoding: np.ndarray | None = None
    image_hash: str | None = None
    error: DomainError | None = None  #: why the face was not verified (stored, answered with the attempt)
    #: why to retake a selfie that did not match (``verification.quality`` problems, or the face
    #: error's code); empty for a mismatch with no visible problem, None when matched
    retake: tuple[str, ...] | None = None

    @property
    def matched(self) -> bool:
        return self.status == FACE_MATCHED


@dataclass(frozen=True)
class PlacedFix:
    """A fix converted to WGS-84 with its geofence result."""

    lat_wgs84: float
    lng_wgs84: float
    fence: FenceResult


def face_settings(config: Mapping[str, Any]) -> FaceSettings:
    """The face engine's settings from the app config."""
    base = FaceSettings()
    limits = replace(base.limits, max_bytes=config["IMAGE_MAX_BYTES"], max_pixels=config["IMAGE_MAX_PIXELS"])
    settings = replace(base, match_threshold=config["FACE_MATCH_THRESHOLD"], limits=limits)
    if config.get("FACE_MIN_PX"):
        settings = replace(settings, min_face_px=config["FACE_MIN_PX"])
    return settings


def check_face(
    photo: bytes, enrolments: list[np.ndarray], settings: FaceSettings, engine=None
) -> FaceOutcome:
    """Analyse a selfie and compare it with the caregiver's enrolments; a bad image is refused outright."""
    threshold = settings.match_threshold
    try:
        sample, quality = analyse_photo(photo, settings, engine, QualityLimits())
    except ImageError as exc:
        raise image_refusal(exc, "selfie") from None
    except FaceError as exc:
        reason = (FACE_ERROR_REASON.get(exc.code, exc.code),)
        return FaceOutcome(exc.code, threshold, error=Invalid(exc.code, exc.message, "selfie"), retake=reason)
    match = match_face(sample.encoding, enrolments, threshold)
    if match.matched:
        return FaceOutcome(FACE_MATCHED, threshold, float(match.distance), sample.encoding, sample.image_hash)
    error = Invalid(
        "face_mismatch", "The face does not match the caregiver's enrolled face; retake the selfie.", "selfie"
    )
    return FaceOutcome(
        FACE_MISMATCH,
        threshold,
        float(match.distance),
        sample.encoding,
        sample.image_hash,
        error,
        retake=quality.problems,
    )


def client_fence(client: Client) -> Fence:
    """The client's home geofence in WGS-84."""
    polygon = tuple(tuple(p) for p in client.fence_polygon_wgs84) if client.fence_polygon_wgs84 else None
    return Fence(client.home_lat_wgs84, client.home_lng_wgs84, client.fence_radius_m, polygon)


def place_fix(fix: FixIn, fence: Fence, accuracy_factor: float) -> PlacedFix:
    """Convert the fix to WGS-84 (the datum trap: ~490 m in Jiaxing) and test it against the fence."""
    lat, lng = to_wgs84(fix.lat, fix.lng, fix.datum)
    return PlacedFix(lat, lng, check_fix(fence, lat, lng, fix.accuracy_m, accuracy_factor))


def image_limits(config: Mapping[str, Any]) -> ImageLimits:
    return face_settings(config).limits
