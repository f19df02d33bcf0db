"""The review console (/console/): pages for supervisors and auditors at the insurer.

The server renders only page shells in the chosen language; every datum comes from the JSON API
(/api/v1) with the bearer token the sign-in page keeps in sessionStorage. So the shells need no
sign-in and hold nothing personal; the console adds no data endpoint of its own.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from field_app.console import i18n
from field_app.console.settings import content_security_policy, map_settings
from field_app.rules import all_rules

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
LANG_COOKIE = "console_lang"


@bp.record_once
def _check_settings(state) -> None:
    """Refuse to start with a tile datum the map cannot draw, naming the variable."""
    map_settings(state.app.config)


def _lang() -> str:
    return i18n.pick(request.args.get("lang") or request.cookies.get(LANG_COOKIE))


def _client_config(lang: str) -> dict:
    """What the page's scripts read: language and its strings, API root, clock face, map, rule titles."""
    cfg = current_app.config
    rules = [
        {"code": r.code, "title": r.title_zh if lang == "zh" else r.title_en, "severity": r.severity}
        for r in all_rules()
    ]
    return {
        "lang": lang,
        "strings": i18n.strings(lang),
        "api": "/api/v1",
        "timezone": cfg["TIMEZONE"],
        "map": map_settings(cfg),
        "rules": rules,
        "selfies_retained": cfg["SELFIE_RETENTION_DAYS"] > 0,
        "pages": {
            "sign_in": url_for("console.sign_in"),
            "alerts": url_for("console.alerts"),
            "spot_checks": url_for("console.spot_checks"),
            "dashboard": url_for("console.dashboard"),
            "root": url_for("console.index"),
        },
    }


def _page(page: str, title_key: str, section: str | None = None, **params):
    lang = _lang()
    html = render_template(
        f"console/{page}.html",
        page=page,
        title_key=title_key,
        section=section,
        lang=lang,
        other_lang="en" if lang == "zh" else "zh",
        client_config=_client_config(lang),
        t=lambda key, **kw: i18n.translate(lang, key, **kw),
        **params,
    )
    response = current_app.make_response(html)
    response.headers["Content-Security-Policy"] = content_security_policy(current_app.config["MAP_TILE_URL"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.args.get("lang") == lang:  # remember an explicit choice
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", path="/console")
    return response


@bp.get("/")
def index():
    return redirect(url_for("console.alerts"))


@bp.get("/sign-in")
def sign_in():
    return _page("sign_in", "sign_in.title")


@bp.get("/alerts")
def alerts():
    return _page("alerts", "alerts.title", "alerts")


@bp.get("/alerts/<int:alert_id>")
def alert(alert_id: int):
    return _page("alert", "alert.title", "alerts", alert_id=alert_id)


@bp.get("/visits/<visit_id>/replay")
def replay(visit_id: str):
    return _page("replay", "replay.title", "alerts", visit_id=visit_id)


@bp.get("/spot-checks")
def spot_checks():
    return _page("spot_checks", "spot.title", "spot_checks")


@bp.get("/spot-checks/<int:spot_check_id>")
def spot_check(spot_check_id: int):
    return _page("spot_check", "spot.detail_title", "spot_checks", spot_check_id=spot_check_id)


@bp.get("/dashboard")
def dashboard():
    return _page("dashboard", "dashboard.title", "dashboard")


@bp.get("/imports")
def imports():
    return _page("imports", "imports.title", "imports")
