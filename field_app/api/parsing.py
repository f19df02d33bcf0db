"""Turn a request body or query string into a validated pydantic model, or a domain error with a code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar, get_origin

from flask import current_app, request
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from field_app.errors import BadRequest, DomainError, Invalid, Unsupported
from field_app.supervision.periods import parse_day, parse_month
from field_app.timeutil import now_utc

M = TypeVar("M", bound=BaseModel)

# pydantic error types -> our codes; custom validators raise PydanticCustomError with our code.
PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unknown_field"}
OUR_CODES = {
    "coordinates_out_of_range",
    "invalid_accuracy",
    "timestamp_in_future",
    "timestamp_too_old",
    "invalid_base64",
    "invalid_datum",
    "invalid_id",
    "item_ends_before_start",
}


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _api_error(exc: ValidationError, in_query: bool = False) -> DomainError:
    """The first validation error as our 422, naming the field at fault."""
    first = exc.errors(include_url=False)[0]
    kind = first["type"]
    code = kind if kind in OUR_CODES else PYDANTIC_CODES.get(kind, "invalid_field")
    field = _field_path(first["loc"])
    if kind in OUR_CODES:
        message = first["msg"]
    elif in_query and kind == "missing":
        message = f"The query parameter {field} is required."
    else:
        message = f"{field}: {first['msg']}"
    return Invalid(code, message, field=field)


def validation_context() -> dict:
    """What validators compare timestamps with: the server's clock and the configured tolerances."""
    cfg = current_app.config
    now = now_utc()
    return {
        "now": now,
        "latest": now + timedelta(seconds=cfg["FUTURE_TOLERANCE_SECONDS"]),
        "earliest": now - timedelta(days=cfg["PAST_LIMIT_DAYS"]),
        "accuracy_max_m": cfg["ACCURACY_MAX_M"],
    }


#: deeper JSON than this is no request of ours (the deepest body, a registry row, is 3 levels)
MAX_DEPTH = 32


def _read_json() -> Any:
    try:
        return request.get_json(silent=True)
    except RecursionError:  # 100,000 nested brackets: the parser gives up, the body is refused
        return None


def refuse_nul_and_depth(data: Any, max_depth: int = MAX_DEPTH) -> None:
    """A NUL character in any string or key (PostgreSQL cannot store it in text) or nesting deeper than
    ``max_depth`` is refused with 422 naming the place; iterative, so depth itself cannot overflow."""
    stack: list[tuple[Any, tuple, int]] = [(data, (), 0)]
    while stack:
        value, loc, depth = stack.pop()
        if depth > max_depth:
            raise Invalid(
                "too_deeply_nested", "The JSON body is nested too deeply.", _field_path(loc) or None
            )
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(
                "invalid_characters", "Text may not contain NUL characters.", _field_path(loc) or None
            )
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, loc, depth + 1))
                stack.append((item, (*loc, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (*loc, n), depth + 1) for n, item in enumerate(value))


def parse_body(model: type[M]) -> M:
    """Validate the JSON body against ``model``."""
    if not request.is_json:
        raise Unsupported("json_required", "Send the body as JSON with Content-Type: application/json.")
    data = _read_json()
    if data is None:
        raise BadRequest("malformed_json", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise Invalid("invalid_body", "The JSON body must be an object.")
    refuse_nul_and_depth(data)
    try:
        return model.model_validate(data, context=validation_context())
    except ValidationError as exc:
        raise _api_error(exc) from None


def _list_params(model: type[BaseModel]) -> set[str]:
    """The parameters declared as lists: those may repeat (``?status=open&status=in_review``)."""
    return {f.alias or name for name, f in model.model_fields.items() if get_origin(f.annotation) is list}


def parse_query(model: type[M]) -> M:
    """Validate the query string against ``model``; a bad, missing or (for a strict model) unknown
    parameter is a 422 naming it. A repeated parameter counts once unless the model declares a list."""
    lists = _list_params(model)
    data = {k: (request.args.getlist(k) if k in lists else request.args.get(k)) for k in request.args}
    refuse_nul_and_depth(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _api_error(exc, in_query=True) from None


class QueryModel(BaseModel):
    """Query parameters as links and forms send them: an empty value is a parameter left out, and
    parameters the endpoint does not know are ignored (these endpoints always did; the alert queue's
    models are strict instead)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v != ""} if isinstance(data, dict) else data


def from_text(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A pydantic validator from a plain text parser: the parser's ValueError (or OverflowError, from
    date arithmetic near year 9999) becomes the field's 422 with the parser's own words."""

    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except (ValueError, OverflowError) as exc:
            raise PydanticCustomError("invalid_field", "{reason}", {"reason": str(exc)}) from None

    return validate


def parse_instant(text: Any) -> datetime:
    """An ISO 8601 date and time with an offset, as UTC; a bare number is not a time here (pydantic's lax
    datetime would read '0.5' as a Unix time)."""
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        raise ValueError("expected an ISO 8601 date and time with an offset, e.g. 2026-11-30T08:00:00+08:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("the time needs an offset, e.g. +08:00 or Z")
    return value.astimezone(UTC)  # OverflowError at year 1 / 9999: from_text makes it a 422


#: an instant in a query string: ISO 8601 with an offset, nothing else
Instant = Annotated[
    datetime,
    BeforeValidator(from_text(parse_instant)),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
#: a local day, exactly YYYY-MM-DD
Day = Annotated[
    date, BeforeValidator(from_text(parse_day)), WithJsonSchema({"type": "string", "format": "date"})
]
#: a month, YYYY-MM, as its first and last day
Month = Annotated[
    tuple[date, date],
    BeforeValidator(from_text(parse_month)),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}),
]


class MonthQuery(QueryModel):
    month: Month
