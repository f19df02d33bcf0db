"""The JSON API under /api/v1: one blueprint per feature, registered here."""

from flask import Blueprint, Flask, jsonify

from field_app.api import (
    accounts,
    alerts,
    auth,
    caregivers,
    confirmations,
    dashboard,
    family,
    feedback,
    imports,
    master_data,
    phones,
    presence,
    privacy,
    reference,
    replay,
    schedules,
    settlement,
    spot_checks,
    visits,
)
from field_app.api.errors import register_error_handlers
from field_app.api.openapi import build_spec
from field_app.api.path_ids import init_blueprint as check_path_ids
from field_app.evidence import api as evidence_api
from field_app.evidence.media import api as clips_api
from field_app.registries import api as registry
from field_app.transaction import committed

__all__ = ["register", "register_error_handlers"]


def register(app: Flask) -> None:
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    check_path_ids(api)
    api.register_blueprint(auth.bp)
    api.register_blueprint(visits.bp)
    api.register_blueprint(caregivers.bp)
    api.register_blueprint(registry.bp)
    api.register_blueprint(privacy.bp)
    api.register_blueprint(alerts.bp)
    api.register_blueprint(feedback.bp)
    api.register_blueprint(master_data.bp)
    api.register_blueprint(phones.bp)
    api.register_blueprint(accounts.bp)
    api.register_blueprint(schedules.bp)
    api.register_blueprint(imports.bp)
    api.register_blueprint(family.bp)
    api.register_blueprint(presence.bp)
    api.register_blueprint(confirmations.bp)
    api.register_blueprint(reference.bp)
    for supervision in (replay, spot_checks, settlement, dashboard):
        api.register_blueprint(supervision.bp)
    api.register_blueprint(evidence_api.bp)
    api.register_blueprint(clips_api.bp)

    @api.get("/openapi.json")
    def openapi():
        """The OpenAPI 3.1 description of this API."""
        return jsonify(build_spec(app))

    app.register_blueprint(api)
    # The request boundary: every API view is one unit of work (commit on success, rollback on error).
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("api.") and not endpoint.endswith(".static"):
            app.view_functions[endpoint] = committed(view)
