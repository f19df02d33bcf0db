"""Operations endpoints: liveness, readiness (the database answers) and Prometheus metrics."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from field_app.errors import NotFound, Unauthenticated, Unavailable
from field_app.extensions import db
from field_app.metrics import render

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health():
    """The process is up (liveness)."""
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    """The process can serve: the database answers. A load balancer takes it out of rotation on 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        raise Unavailable("database_unavailable", "The database is not reachable.") from None
    return jsonify({"status": "ready"})


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for the scraper only: ``Authorization: Bearer <FIELD_APP_METRICS_TOKEN>``.
    Without a configured token the endpoint does not exist (404): route latencies and verification
    counts are operational data, not for anyone who can reach the API port."""
    expected = current_app.config.get("METRICS_TOKEN") or ""
    if not expected:
        raise NotFound("not_found", "The requested URL was not found on the server.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthenticated("authentication_required", "Send 'Authorization: Bearer <metrics token>'.")
    body, content_type = render()
    return Response(body, content_type=content_type)
