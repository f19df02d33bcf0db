"""Turn a request body into a validated pydantic model, or a 4xx ApiError with a stable code."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from field_app.errors import ApiError
from field_app.timeutil import now_utc

M = TypeVar("M", bound=BaseModel)

# pydantic error types -> our codes; custom validators raise PydanticCustomError with our code.
PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unknown_field"}
OUR_CODES = {
    "coordinates_out_of_range", "invalid_accuracy", "timestamp_in_future", "timestamp_too_old",
    "invalid_base64", "invalid_datum", "invalid_id",
}


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_context() -> dict:
    """What validators compare timestamps with: the server's clock and the configured tolerances."""
    cfg = current_app.config
    now = now_utc()
    return {
        "now": now,
        "latest": now + timedelta(seconds=cfg["FUTURE_TOLERANCE_SECONDS"]),
        "earliest": now - timedelta(days=cfg["PAST_LIMIT_DAYS"]),
    }


def parse_body(model: type[M]) -> M:
    """Validate the JSON body against ``model``."""
    if not request.is_json:
        raise ApiError(415, "json_required", "Send the body as JSON with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The JSON body must be an object.")
    try:
        return model.model_validate(data, context=validation_context())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        kind = first["type"]
        code = kind if kind in OUR_CODES else PYDANTIC_CODES.get(kind, "invalid_field")
        field = _field_path(first["loc"])
        message = first["msg"] if kind in OUR_CODES else f"{field}: {first['msg']}"
        raise ApiError(422, code, message, field=field) from None
