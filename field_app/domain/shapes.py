"""Request bodies of the caregiver API, validated by pydantic; their JSON Schemas feed the OpenAPI spec."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


def _as_utc(value: datetime, field: str | None) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, year 9999 at -14:00: no instant we can store
        raise PydanticCustomError(
            "invalid_field", "{field} is outside the supported range of times.", {"field": field}
        ) from None


def _in_window(value: datetime, info: ValidationInfo) -> datetime:
    """Refuse fix/item times from the future (beyond a clock tolerance) or from long ago."""
    value = _as_utc(value, info.field_name)
    ctx = info.context or {}
    if "latest" in ctx and value > ctx["latest"]:
        raise PydanticCustomError(
            "timestamp_in_future",
            "{field} {value} is in the future by the server's clock.",
            {"field": info.field_name, "value": value.isoformat()},
        )
    if "earliest" in ctx and value < ctx["earliest"]:
        raise PydanticCustomError(
            "timestamp_too_old",
            "{field} {value} is older than the server accepts for late uploads.",
            {"field": info.field_name, "value": value.isoformat()},
        )
    return value


_WHITESPACE = str.maketrans("", "", " \t\r\n")
_URL_SAFE = str.maketrans("-_", "+/")


def _decode_b64(value: object) -> bytes:
    """Standard base64, as phones send it: Android's default ``Base64.DEFAULT`` wraps lines every 76
    characters, ``URL_SAFE`` uses ``-`` and ``_``, ``NO_PADDING`` drops the ``=``; a data URL's prefix
    (web clients) is skipped. Anything else that is not base64 is refused."""
    if not isinstance(value, str) or not value:
        raise PydanticCustomError("invalid_base64", "The photo must be a non-empty base64 string.")
    if value.startswith("data:") and "," in value:  # tolerate data URLs from web clients
        value = value.split(",", 1)[1]
    value = value.translate(_WHITESPACE)
    if ("-" in value or "_" in value) and ("+" in value or "/" in value):
        raise PydanticCustomError("invalid_base64", "The photo mixes standard and URL-safe base64.")
    value = value.translate(_URL_SAFE)
    value += "=" * (-len(value) % 4)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError("invalid_base64", "The photo is not valid base64.") from None


def _utc(value: datetime, info: ValidationInfo) -> datetime:
    return _as_utc(value, info.field_name)


#: a time the phone reports about an event: not in the future, not older than the late-upload limit
EventTime = Annotated[AwareDatetime, AfterValidator(_in_window)]
#: the phone's own clock when it sent the request: stored as sent (a skewed clock is evidence)
DeviceTime = Annotated[AwareDatetime, AfterValidator(_utc)]
Photo = Annotated[
    bytes,
    BeforeValidator(_decode_b64),
    WithJsonSchema(
        {
            "type": "string",
            "format": "byte",
            "description": "JPEG/PNG/HEIC photo in base64: standard, line-wrapped (Android's Base64.DEFAULT) "
            "or URL-safe, padded or not",
        }
    ),
]
ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
DeviceId = Annotated[str, Field(min_length=1, max_length=128)]
#: a database id: PostgreSQL's integer (a larger number names nothing, and would overflow the driver)
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
#: beyond this a fix says nowhere in particular (cell-tower fixes are a few km); FIELD_APP_ACCURACY_MAX_M
ACCURACY_MAX_M = 20_000.0


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class FixIn(StrictModel):
    """A GPS fix as the phone reports it."""

    lat: float
    lng: float
    accuracy_m: float = Field(description="Confidence radius in metres (Android: 68 %)")
    datum: Literal["WGS84", "GCJ02", "BD09"] = "WGS84"
    time: EventTime = Field(description="The fix's own time, ISO 8601 with offset")
    mock: bool | None = Field(None, description="The OS reported a mock/simulated location")
    altitude_m: float | None = Field(None, ge=-1_000, le=20_000)
    speed_mps: float | None = Field(None, ge=0, le=1_000)
    bearing_deg: float | None = Field(None, ge=0, le=360)

    @model_validator(mode="after")
    def _check_ranges(self, info: ValidationInfo) -> FixIn:
        if not (-90 <= self.lat <= 90 and -180 <= self.lng <= 180):
            raise PydanticCustomError(
                "coordinates_out_of_range", "Latitude must be within ±90 and longitude within ±180 degrees."
            )
        most = (info.context or {}).get("accuracy_max_m", ACCURACY_MAX_M)
        if not (0 < self.accuracy_m <= most):
            raise PydanticCustomError(
                "invalid_accuracy",
                "accuracy_m must be a positive number of metres, at most {most:g}.",
                {"most": most},
            )
        return self


class TagTapIn(StrictModel):
    """The URL parameters of one NTAG 424 DNA tap (SUN message, NXP AN12196), as the tag wrote them."""

    picc_data: str = Field(
        pattern=r"^[0-9A-Fa-f]{32}$", description="Encrypted PICC data (UID + read counter), hex"
    )
    cmac: str = Field(pattern=r"^[0-9A-Fa-f]{16}$", description="Truncated SDM MAC, hex")
    enc: str | None = Field(
        None, pattern=r"^([0-9A-Fa-f]{32}){1,16}$", description="Encrypted file data, hex"
    )
    tapped_at: EventTime = Field(description="When the phone read the tag")


class AttemptIn(StrictModel):
    """What check-in and check-out share: who, which phone, where, the selfie."""

    attempt_id: ClientId = Field(description="Generated by the phone per attempt; a re-send repeats it")
    caregiver_id: Id | None = Field(
        None, description="Optional: the token says who you are; if sent, it must be the token's caregiver"
    )
    device_id: DeviceId | None = Field(
        None, description="Optional: the token is bound to the phone; if sent, it must be the token's phone"
    )
    device_time: DeviceTime = Field(description="The phone's clock when sending")
    fix: FixIn
    selfie: Photo
    challenge_id: str | None = Field(
        None, min_length=8, max_length=64, description="A liveness challenge whose burst passed (活体检测)"
    )
    tag: TagTapIn | None = Field(None, description="The bedside tag's tap (NTAG 424 DNA SUN)")


class CheckInIn(AttemptIn):
    client_id: Id
    planned_visit_id: Id | None = Field(
        None, description="The planned visit from /me/schedule; without it the nearest one is matched"
    )


class CheckOutIn(AttemptIn):
    client_selfie: Photo | None = Field(
        None, description="The client's face, for two-way confirmation (双向确认) where enrolled with consent"
    )


class BurstIn(StrictModel):
    """The frames of a liveness burst, in the order taken."""

    frames: list[Photo] = Field(min_length=1, max_length=5)


class TrailPointIn(FixIn):
    pass


class TrailBatchIn(StrictModel):
    device_id: DeviceId | None = None
    points: list[TrailPointIn] = Field(min_length=1, max_length=1000)


class ItemIn(StrictModel):
    code: str = Field(min_length=1, max_length=16, description="Service catalogue code")
    started_at: EventTime
    ended_at: EventTime | None = None

    @field_validator("ended_at")
    @classmethod
    def _ends_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        started = info.data.get("started_at")
        if value is not None and started is not None and value < started:
            raise PydanticCustomError("item_ends_before_start", "The item ends before it starts.")
        return value


class ItemsIn(StrictModel):
    items: list[ItemIn] = Field(min_length=1, max_length=50)


class EnrolmentIn(StrictModel):
    #: 3-5 by default (FIELD_APP_FACE_ENROL_MIN_PHOTOS): a gallery carries genuine faces (README)
    photos: list[Photo] = Field(min_length=1, max_length=5)


class EnrolmentDecisionIn(StrictModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=500)
