"""One JSON error shape everywhere: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
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
    return jsonify(err.body()), err.status


def register_error_handlers(app: Flask) -> None:
    """JSON for every error, including routing errors and the unexpected."""

    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = HTTP_CODES.get(exc.code or 500, "http_error")
        message = exc.description or exc.name
        if exc.code == 413:
            message = "The request body is larger than the server accepts (check the selfie size)."
        return error_response(ApiError(exc.code or 500, code, message))

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
        log.exception("unhandled error")
        return error_response(
            ApiError(500, "internal_error", "Something went wrong on the server; it has been logged.")
        )
