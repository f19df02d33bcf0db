"""The rendered API reference is served by the app itself, from vendored files."""

from __future__ import annotations

import re


def test_the_reference_page_is_served_with_its_vendored_redoc(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'spec-url="/api/v1/openapi.json"' in html
    assert re.findall(r"https?://", html) == []  # nothing from another origin
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    src = re.search(r'<script src="([^"]+)"', html)[1]
    bundle = client.get(src)
    try:
        assert bundle.status_code == 200 and bundle.mimetype in ("text/javascript", "application/javascript")
        assert b"Redoc" in bundle.data and len(bundle.data) > 500_000
    finally:
        bundle.close()


def test_the_vendored_bundle_says_its_version_and_licence():
    from pathlib import Path

    folder = Path(__file__).parents[2] / "field_app" / "api" / "static" / "vendor" / "redoc"
    assert (folder / "VERSION").read_text().startswith("redoc@2.")
    assert "MIT" in (folder / "LICENSE").read_text()
