"""The one place where errors become HTTP: each domain error kind has its status, and every error,
including routing errors and the unexpected, answers ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from field_app.errors import DomainError
from field_app.i18n.web import localise_error

log = logging.getLogger(__name__)

#: domain error kind -> HTTP status
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


def error_body(err: DomainError) -> dict[str, Any]:
    """The JSON body of a domain error: the error itself and its machine-readable details."""
    message = localise_error(err.code, err.message, {**err.details, **err.params}, err.field)
    return {"error": {"code": err.code, "message": message, "field": err.field}, **err.details}


def status_of(err: DomainError) -> int:
    return STATUS_BY_KIND[err.kind]


def _where(exc: BaseException) -> str:
    """The exception's type and the frames it passed through, without its message or any values: an
    error's message may quote SQL parameters, coordinates or names (PIPL); the request id in the log
    record ties it to the request."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{type(exc).__module__}.{type(exc).__qualname__}\n" + "".join(traceback.format_list(frames))


def _answer(status: int, code: str, message: str):
    message = localise_error(code, message, {}, None)
    return jsonify({"error": {"code": code, "message": message, "field": None}}), status


def register_error_handlers(app: Flask) -> None:
    """JSON for every error, including routing errors and the unexpected."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        response = jsonify(error_body(err))
        if "retry_after_seconds" in err.details:
            response.headers["Retry-After"] = str(err.details["retry_after_seconds"])
        return response, status_of(err)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = HTTP_CODES.get(exc.code or 500, "http_error")
        message = exc.description or exc.name
        if exc.code == 413:
            message = "The request body is larger than the server accepts (check the selfie size)."
        response, status = _answer(exc.code or 500, code, message)
        for name, value in exc.get_headers():
            if name.lower() in ("allow", "retry-after"):  # e.g. 405 names the methods allowed
                response.headers[name] = value
        return response, status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc: Exception):
        # e.g. PostgreSQL restarting: nothing was committed, the phone should simply send again
        log.warning("database unavailable: %s", type(exc).__name__)
        response, status = _answer(
            503,
            "database_unavailable",
            "The database is briefly unavailable; nothing was stored. Retry shortly.",
        )
        response.headers["Retry-After"] = "2"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.error("unhandled error: %s", _where(exc))
        return _answer(500, "internal_error", "Something went wrong on the server; it has been logged.")
