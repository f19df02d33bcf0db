"""The JSON API under /api/v1: one blueprint per feature, registered here."""

from flask import Blueprint, Flask, jsonify

from field_app.api import (
    alerts,
    auth,
    caregivers,
    confirmations,
    dashboard,
    feedback,
    presence,
    privacy,
    registry,
    replay,
    settlement,
    spot_checks,
    visits,
)
from field_app.api.openapi import build_spec


def register(app: Flask) -> None:
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.register_blueprint(auth.bp)
    api.register_blueprint(visits.bp)
    api.register_blueprint(caregivers.bp)
    api.register_blueprint(registry.bp)
    api.register_blueprint(privacy.bp)
    api.register_blueprint(alerts.bp)
    api.register_blueprint(feedback.bp)
    api.register_blueprint(presence.bp)
    api.register_blueprint(confirmations.bp)
    for supervision in (replay, spot_checks, settlement, dashboard):
        api.register_blueprint(supervision.bp)

    @api.get("/openapi.json")
    def openapi():
        """The OpenAPI 3.1 description of this API."""
        return jsonify(build_spec(app))

    app.register_blueprint(api)
