"""Evidence that holds up (issue 15): an append-only RFC 6962 Merkle log of every event that matters,
signed tree heads, self-contained bundles a third party verifies offline, and an audit of the stored
rows against the log. A feature package: models, capture, log, bundle, audit, CLI and API together.
"""

from __future__ import annotations

from flask import Flask

from field_app.evidence import models  # noqa: F401  (registers the tables)
from field_app.evidence.media import models as media_models  # noqa: F401


def init_app(app: Flask) -> None:
    from field_app.evidence import capture, tables

    tables.register_all()
    capture.install()
