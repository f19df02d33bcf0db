"""The review console's server side: page shells for signed-out visitors, languages, map settings, the
Content-Security-Policy, the vendored Leaflet, and text keys that match across zh, en and the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from field_app import create_app
from field_app.config import load_config
from field_app.console import i18n
from field_app.console.settings import content_security_policy, map_settings, tile_origin

CONSOLE = Path(__file__).parents[2] / "field_app" / "console"
PAGES = [
    "/console/sign-in",
    "/console/alerts",
    "/console/alerts/7",
    "/console/visits/v-1/replay",
    "/console/spot-checks",
    "/console/spot-checks/3",
    "/console/dashboard",
    "/console/imports",
]


def config_of(html: str) -> dict:
    """The JSON the page's scripts read."""
    raw = re.search(r'<script type="application/json" id="console-config">(.*?)</script>', html, re.S).group(
        1
    )
    return json.loads(raw)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_shell_renders_for_a_signed_out_visitor_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "长护险上门服务监管台" in html
    assert config_of(html)["lang"] == "zh"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.search(r'<script type="module" src="/console/static/js/pages/\w+\.js">', html)


def test_the_console_root_leads_to_the_queue(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/alerts")


def test_lang_en_switches_the_interface_and_is_remembered(client):
    first = client.get("/console/alerts?lang=en")
    assert '<html lang="en">' in first.get_data(as_text=True)
    assert "console_lang=en" in first.headers["Set-Cookie"]
    later = client.get("/console/dashboard")  # the cookie, not the query, now
    assert config_of(later.get_data(as_text=True))["strings"]["dashboard.title"] == "Dashboard"


def test_an_unknown_language_falls_back_to_chinese(client):
    assert config_of(client.get("/console/alerts?lang=fr").get_data(as_text=True))["lang"] == "zh"


def test_page_ids_reach_the_page_escaped(client):
    html = client.get("/console/visits/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E/replay").get_data(
        as_text=True
    )
    assert "<img src=x" not in html
    assert 'data-visit-id="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


def test_without_tiles_the_replay_asks_for_wgs84_and_with_tiles_for_their_datum(app):
    assert map_settings(app.config)["draw_datum"] == "WGS84"
    tiled = {**app.config, "MAP_TILE_URL": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"}
    assert map_settings(tiled)["draw_datum"] == "GCJ02"
    assert map_settings({**tiled, "MAP_TILE_DATUM": "WGS84"})["draw_datum"] == "WGS84"


def test_a_tile_datum_leaflet_cannot_draw_stops_the_start():
    with pytest.raises(RuntimeError, match="FIELD_APP_MAP_TILE_DATUM"):
        create_app({"TESTING": True, "MAP_TILE_DATUM": "BD09"})


def test_the_tile_datum_is_read_from_the_environment_case_insensitively(tmp_path):
    config = load_config(str(tmp_path), {"FIELD_APP_MAP_TILE_DATUM": "gcj02", "FIELD_APP_MAP_TILE_URL": "x"})
    assert config["MAP_TILE_DATUM"] == "GCJ02"


def test_the_tile_server_is_allowed_as_an_image_source_and_nothing_else():
    assert tile_origin("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}") == "https://*.is.autonavi.com"
    assert tile_origin("http://127.0.0.1:8080/{z}/{x}/{y}.png") == "http://127.0.0.1:8080"
    assert tile_origin("") is None and tile_origin("javascript:alert(1)") is None
    policy = content_security_policy("https://{s}.tiles.example/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://*.tiles.example" in policy
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy


def test_leaflet_1_9_4_is_vendored_with_its_images(client):
    vendor = CONSOLE / "static" / "vendor" / "leaflet"
    assert (vendor / "VERSION").read_text().startswith("leaflet@1.9.4 ")
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/marker-icon.png", "images/layers.png"):
        assert (vendor / name).is_file(), name
    response = client.get("/console/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200
    response.close()


def test_zh_and_en_have_the_same_keys_and_no_empty_text():
    zh, en = i18n.strings("zh"), i18n.strings("en")
    assert sorted(zh) == sorted(en)
    assert not [k for k, v in {**zh, **en}.items() if not v.strip()]


def test_placeholders_match_between_languages():
    zh, en = i18n.strings("zh"), i18n.strings("en")
    for key in zh:
        assert set(re.findall(r"\{(\w+)\}", zh[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_every_literal_key_in_templates_and_scripts_has_a_text():
    sources = [*CONSOLE.glob("templates/console/*.html"), *CONSOLE.glob("static/js/**/*.js")]
    used = set()
    for path in sources:
        used |= set(
            re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_0-9.]+)['"]""", path.read_text(encoding="utf-8"))
        )
    used = {key for key in used if not key.endswith(("_", "."))}  # prefixes completed at run time
    assert used, "the scan found the keys"
    assert sorted(used - set(i18n.strings("zh"))) == []


def test_scripts_never_put_data_into_inner_html():
    for path in CONSOLE.glob("static/js/**/*.js"):
        text = path.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path.name
