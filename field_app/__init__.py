"""field_app: verified home-care visits and around-the-clock supervision for LTC insurance (长护险)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from field_app.config import check_production_safety, load_config
from field_app.extensions import db, migrate


class BoundedInt(IntegerConverter):
    """Integer path segments are database ids: above 2**31 - 1 (PostgreSQL's integer) no such object exists,
    so the route does not match (404) instead of overflowing the database driver (500). The bound is in the
    regex too: werkzeug checks a rule's methods before its converter, so with GET and POST on one path as
    two rules, a value refused only by ``to_python`` would answer 405 instead of 404."""

    regex = (
        r"\d{1,9}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
        r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7]"
    )

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return -1 if number > 2**31 - 1 else number


def _trust_proxies(app: Flask) -> None:
    """Behind FIELD_APP_TRUSTED_PROXIES reverse proxies the client address (rate limits, logs) is the one
    they forwarded; without the setting X-Forwarded-For is ignored, since any client can send it."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


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

    _trust_proxies(app)
    app.url_map.converters["int"] = BoundedInt
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))

    from field_app import api, cli, console, evidence, models, ops, requestlog  # noqa: F401  (models register tables)
    from field_app.i18n import web as i18n_web

    # None = the process-wide dlib engine, loaded on first use (importing dlib takes seconds).
    app.extensions.setdefault("face_engine", None)
    requestlog.init_app(app)
    evidence.init_app(app)
    api.register_error_handlers(app)
    i18n_web.init_app(app)  # Content-Language and Vary: Accept-Language on API answers
    api.register(app)
    cli.register(app)
    app.register_blueprint(ops.bp)
    app.register_blueprint(console.bp)
    return app
