"""The API reference page: the OpenAPI spec rendered by Redoc, served from the app's own files.

Redoc's standalone bundle is vendored under ``api/static/vendor/redoc`` (``scripts/vendor-redoc.sh``,
from the npm registry with its integrity checked); the page loads nothing from another origin, which its
Content-Security-Policy enforces in the browser too (phones' developers in China may not reach a CDN).
"""

from __future__ import annotations

from flask import Blueprint, Response, url_for

bp = Blueprint("reference", __name__, static_folder="static", static_url_path="/static")

#: Redoc injects its styles and runs its search index in a worker made from a blob URL.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>field_app API reference</title>
<style>body {{ margin: 0; }}</style>
</head>
<body>
<redoc spec-url="{spec}" hide-download-button="false" expand-responses="200" required-props-first="true"
  path-in-middle-panel="true"></redoc>
<script src="{bundle}"></script>
</body>
</html>
"""


@bp.get("/docs")
def reference():
    """The rendered reference of ``/api/v1/openapi.json``."""
    html = PAGE.format(
        spec=url_for("api.openapi"),
        bundle=url_for("api.reference.static", filename="vendor/redoc/redoc.standalone.js"),
    )
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": CSP})
