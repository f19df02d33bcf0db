"""field_app: verified home-care visits and around-the-clock supervision for LTC insurance (长护险)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from field_app.config import check_production_safety, load_config
from field_app.extensions import db, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: environment config, then ``config`` overrides (tests), extensions, blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    check_production_safety(app.config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # Chinese names and messages stay readable

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))

    from field_app import api, cli, console, models, ops, requestlog  # noqa: F401  (models register tables)

    # None = the process-wide dlib engine, loaded on first use (importing dlib takes seconds).
    app.extensions.setdefault("face_engine", None)
    requestlog.init_app(app)
    api.register_error_handlers(app)
    api.register(app)
    cli.register(app)
    app.register_blueprint(ops.bp)
    app.register_blueprint(console.bp)
    return app
