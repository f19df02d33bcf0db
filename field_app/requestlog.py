"""Request ids and an access log that carries no personal data.

Every response has an ``X-Request-Id`` (the caller's, if it sent a sane one); every log record of the
app carries it. The access line names the route *template* (``/api/v1/visits/<visit_id>/check-in``),
never ids, names, coordinates or images (PIPL).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

from field_app.metrics import REQUEST_SECONDS

log = logging.getLogger("field_app.requests")
SANE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every log record gets the current request id (``-`` outside requests)."""
    record = _base_factory(*args, **kwargs)
    record.request_id = g.get("request_id", "-") if has_request_context() else "-"
    return record


def init_app(app: Flask) -> None:
    logging.setLogRecordFactory(_record_with_request_id)
    logger = logging.getLogger("field_app")
    if not logger.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if SANE_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-Id"] = g.get("request_id", "-")
        route = request.url_rule.rule if request.url_rule else "(no route)"
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, route, response.status_code, elapsed)
        REQUEST_SECONDS.labels(request.method, route, str(response.status_code)).observe(elapsed / 1000)
        return response
