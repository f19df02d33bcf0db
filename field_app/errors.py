"""One JSON error shape everywhere: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Stable codes for Werkzeug's own errors (routing, body size).
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "service_unavailable",
}


class DomainError(Exception):
    """Something the caller can act on, said in domain terms: a stable ``code``, an English message
    (a ``str.format`` template over ``params``), the input ``field`` at fault. No HTTP here: the API maps
    each subclass's ``kind`` to a status in one place; services and the domain raise only these.

    ``params`` fill the message and travel in the error body (e.g. ``retry_after_seconds``)."""

    kind = "invalid"

    def __init__(self, code: str, message: str, field: str | None = None, **params: Any):
        super().__init__(message.format(**params) if params else message)
        self.code, self.template, self.field, self.params = code, message, field, params

    @property
    def message(self) -> str:
        return str(self)


class Invalid(DomainError):
    """The input is well-formed but wrong (422)."""

    kind = "invalid"


class BadRequest(DomainError):
    """The request cannot be read at all: malformed JSON, wrong content (400)."""

    kind = "bad_request"


class NotFound(DomainError):
    """No such object, or one the caller may not see: both answer alike (404)."""

    kind = "not_found"


class Conflict(DomainError):
    """The object's state does not allow it: already closed, id re-used (409)."""

    kind = "conflict"


class Forbidden(DomainError):
    """The caller is known but not allowed (403)."""

    kind = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials (401)."""

    kind = "unauthenticated"


class TooMany(DomainError):
    """A limit was reached; ``retry_after_seconds`` in params when waiting helps (429)."""

    kind = "too_many"


class TooLarge(DomainError):
    """The upload is larger than accepted (413)."""

    kind = "too_large"


class Unsupported(DomainError):
    """A media type the server does not read (415)."""

    kind = "unsupported"


class Unavailable(DomainError):
    """A dependency is briefly down; retry (503)."""

    kind = "unavailable"


#: the one place where domain errors become HTTP statuses
STATUS_BY_KIND = {
    "bad_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "unsupported": 415,
    "invalid": 422,
    "too_many": 429,
    "unavailable": 503,
}


def _with_retry_after(response, body: dict[str, Any]):
    """A 429 or 503 that knows how long to wait says so in the header too (RFC 9110 10.2.3)."""
    if isinstance(body.get("retry_after_seconds"), int):
        response.headers["Retry-After"] = str(max(0, body["retry_after_seconds"]))
    return response


def domain_error_response(err: DomainError):
    body = {"error": {"code": err.code, "message": err.message, "field": err.field}, **err.params}
    return _with_retry_after(jsonify(body), body), STATUS_BY_KIND[err.kind]


class ApiError(Exception):
    """An error the client can act on: HTTP status, stable code, English message, the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}, **self.extra}


def error_response(err: ApiError):
    body = err.body()
    return _with_retry_after(jsonify(body), body), err.status


def _where(exc: BaseException) -> str:
    """The exception's type and the frames it passed through, without its message or any values: an
    error's message may quote SQL parameters, coordinates or names (PIPL); the request id in the log
    record ties it to the request."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{type(exc).__module__}.{type(exc).__qualname__}\n" + "".join(traceback.format_list(frames))


def register_error_handlers(app: Flask) -> None:
    """JSON for every error, including routing errors and the unexpected."""

    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = HTTP_CODES.get(exc.code or 500, "http_error")
        message = exc.description or exc.name
        if exc.code == 413:
            message = "The request body is larger than the server accepts (check the selfie size)."
        response, status = error_response(ApiError(exc.code or 500, code, message))
        for name, value in exc.get_headers():
            if name.lower() in ("allow", "retry-after"):  # e.g. 405 names the methods allowed
                response.headers[name] = value
        return response, status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc: Exception):
        # e.g. PostgreSQL restarting: nothing was committed, the phone should simply send again
        log.warning("database unavailable: %s", type(exc).__name__)
        response, status = error_response(
            ApiError(
                503,
                "database_unavailable",
                "The database is briefly unavailable; nothing was stored. Retry shortly.",
            )
        )
        response.headers["Retry-After"] = "2"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.error("unhandled error: %s", _where(exc))
        return error_response(
            ApiError(500, "internal_error", "Something went wrong on the server; it has been logged.")
        )
