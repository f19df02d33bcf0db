"""The console's map settings and the security headers of its pages (plain values, no Flask globals)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

#: datums a Web-Mercator tile grid can be drawn in; Baidu's BD-09 tiles use a grid of their own
TILE_DATUMS = ("WGS84", "GCJ02")


def map_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """What the replay page needs to know about the base map; raises on a datum it cannot draw."""
    datum = config["MAP_TILE_DATUM"]
    if datum not in TILE_DATUMS:
        raise RuntimeError(f"FIELD_APP_MAP_TILE_DATUM must be one of {', '.join(TILE_DATUMS)}, not {datum!r}")
    url = config["MAP_TILE_URL"].strip()
    return {
        "tile_url": url,
        "tile_datum": datum,
        "tile_attribution": config["MAP_TILE_ATTRIBUTION"],
        "tile_subdomains": config["MAP_TILE_SUBDOMAINS"] or "abc",
        "tile_max_zoom": config["MAP_TILE_MAX_ZOOM"],
        # The datum the replay endpoint is asked for: the tiles' own, or the ground truth without tiles.
        "draw_datum": datum if url else "WGS84",
    }


def tile_origin(url: str) -> str | None:
    """The origin a tile URL template loads from, as a CSP source ({s} in the host becomes a wildcard)."""
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc
    if "SUBDOMAIN" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else "*"
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str) -> str:
    """Scripts and data from this app only; images also from the tile server and blob: (selfies)."""
    images = " ".join(filter(None, ("'self'", "data:", "blob:", tile_origin(tile_url))))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # Leaflet positions its panes with inline styles
            f"img-src {images}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )
