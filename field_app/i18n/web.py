"""The language of a request: ``Accept-Language`` (phones, the console's API calls), zh by default.

The only Flask-aware part of the catalogue: everything else takes the language as a plain value.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, has_request_context, request

from field_app import i18n


def request_language() -> str:
    """The best of our languages for ``Accept-Language`` (``zh-CN``, ``en-US;q=0.8``, ``*``), by the
    header's own weights; Chinese when there is no header, no request or nothing we have."""
    if not has_request_context():
        return i18n.DEFAULT
    for tag, _quality in request.accept_languages:  # werkzeug sorts by quality, highest first
        if tag == "*":
            return i18n.DEFAULT
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in i18n.LANGUAGES:
            return base
    return i18n.DEFAULT


def t(key: str, params: dict[str, Any] | None = None, default: str | None = None) -> str:
    """``i18n.text`` in the request's language."""
    return i18n.text(request_language(), key, params, default)


def localise_error(code: str, english: str, params: dict[str, Any] | None, field: str | None) -> str:
    """An error's message in the request's language (the one call the error handler makes)."""
    return i18n.error_message(request_language(), code, english, params, field)


def init_app(app: Flask) -> None:
    """API answers say their language and that it depends on ``Accept-Language`` (for caches)."""

    @app.after_request
    def _content_language(response: Response) -> Response:
        if request.path.startswith("/api/"):
            response.headers["Content-Language"] = "zh-CN" if request_language() == "zh" else "en"
            response.vary.add("Accept-Language")
        return response
