"""The one place where errors become HTTP: each domain error kind has its status, and every error,
including routing errors and the unexpected, answers ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from field_app.errors import DomainError

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
    return {"error": {"code": err.code, "message": err.message, "field": err.field}, **err.details}


def status_of(err: DomainError) -> int:
    return STATUS_BY_KIND[err.kind]


def _answer(status: int, code: str, message: str):
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
        return _answer(exc.code or 500, code, message)

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
        log.exception("unhandled error")
        return _answer(500, "internal_error", "Something went wrong on the server; it has been logged.")
