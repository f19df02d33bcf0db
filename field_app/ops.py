"""Operations endpoints: liveness, readiness (the database answers) and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from field_app.errors import Unavailable
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
    body, content_type = render()
    return Response(body, content_type=content_type)
