"""Phone-generated ids in URLs (``visit_id``, ``attempt_id``) follow the body's ``attempt_id`` rule.

A visit id is stored as the visit's key, so a malformed one (3,000 characters, a NUL byte, SQL) is
refused with 422 before any handler or query sees it, exactly as a malformed ``attempt_id`` in a body.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint

from field_app.errors import Invalid

#: the same rule as api.schemas.ClientId
PHONE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MESSAGES = {
    "visit_id": "visit_id must be 8-64 letters, digits, '-' or '_'.",
    "attempt_id": "attempt_id must be 8-64 letters, digits, '-' or '_'.",
}
CHECKED = tuple(MESSAGES)


def check_path_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    for name in CHECKED:
        value = (values or {}).get(name)
        if value is not None and not PHONE_ID.match(value):
            raise Invalid(f"invalid_{name}", MESSAGES[name], name)


def init_blueprint(bp: Blueprint) -> None:
    bp.url_value_preprocessor(check_path_ids)
