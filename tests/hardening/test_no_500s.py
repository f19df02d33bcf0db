"""Inputs that gave 500s (issue 17, findings 6, 8 and 15): each answers a 4xx JSON error with a code, as
every role, on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from field_app.extensions import db
from field_app.services.catalogue import load_catalogue
from tests import factories as f

BIG = [2**31, 2**63, 10**30]
NUL = "ok\x00"
YEAR_ONE = "0001-01-01T00:00:00+14:00"


@pytest.fixture
def roles(app):
    """One of each role and a closed visit, as in the schemathesis world."""
    now = datetime.now(UTC)
    with app.app_context():
        load_catalogue()
        agency = f.add_agency()
        caregiver = f.add_caregiver(agency, device_id="phone-1")
        client = f.add_client(agency)
        f.add_visit("visit-0001", caregiver.id, client.id, agency.id, now - timedelta(hours=2), 60)
        tokens = {
            "caregiver": f.token_for(f.add_user("caregiver", caregiver=caregiver), "phone-1"),
            "supervisor": f.token_for(f.add_user("supervisor", agencies=[agency])),
            "auditor": f.token_for(f.add_user("auditor", agencies=[agency])),
            "family": f.token_for(f.add_user("family", client=client)),
            "admin": f.token_for(f.add_user("admin")),
        }
        db.session.commit()
    return {"anonymous": {}, **{r: {"Authorization": f"Bearer {t}"} for r, t in tokens.items()}}


def _requests(now):
    at = now.isoformat()
    fix = f.fix(now)
    attempt = {
        "attempt_id": "att-00000001",
        "caregiver_id": 1,
        "device_id": "phone-1",
        "device_time": at,
        "fix": fix,
        "selfie": "aGVsbG8=",
    }
    out = []
    for n in BIG:
        out += [
            ("get", f"/api/v1/spot-checks/{n}", None),
            ("get", f"/api/v1/spot-checks/{n}/export.csv", None),
            ("post", f"/api/v1/spot-checks/{n}/items/{n}/outcome", {"outcome": "confirmed"}),
            ("get", f"/api/v1/caregivers/{n}/day?date=2026-11-30", None),
            ("get", f"/api/v1/settlement/clients/{n}?month=2026-11", None),
            ("get", f"/api/v1/settlement/clients/{n}.csv?month=2026-11", None),
            ("get", f"/api/v1/settlement/agencies/{n}?month=2026-11", None),
            ("get", f"/api/v1/settlement/agencies/{n}.csv?month=2026-11", None),
            ("put", f"/api/v1/clients/{n}/consent", {"trail_consent": False}),
            ("post", f"/api/v1/caregivers/{n}/face-enrolments", {"photos": ["aGVsbG8="]}),
            ("get", f"/api/v1/reports/agencies/{n}/monthly?month=2026-11", None),
            ("get", f"/api/v1/alerts/{n}", None),
            ("post", "/api/v1/visits/visit-0002/check-in", {**attempt, "client_id": n}),
            ("post", "/api/v1/visits/visit-0002/check-in", {**attempt, "client_id": 1, "caregiver_id": n}),
            (
                "post",
                "/api/v1/spot-checks",
                {
                    "period_start": "2026-11-01",
                    "period_end": "2026-11-30",
                    "method": "uniform",
                    "size": 5,
                    "seed": 1,
                    "agency_ids": [n],
                },
            ),
            ("post", "/api/v1/alerts/bulk-dismiss", {"alert_ids": [n], "reason": "fuzz"}),
        ]
    out += [
        ("post", "/api/v1/auth/sign-in", {"username": NUL, "password": "whatever-password"}),
        ("post", "/api/v1/auth/sign-in", {"username": "boss", "password": NUL}),
        ("post", "/api/v1/auth/refresh", {"refresh_token": NUL}),
        ("post", "/api/v1/visits/visit-0001/feedback", {"confirmed": True, "comment": NUL}),
        ("post", "/api/v1/alerts/1/review", {"action": "start_review", "reason": NUL}),
        ("post", "/api/v1/alerts/1/comments", {"text": NUL}),
        ("get", "/api/v1/visits/a%00b", None),
        ("get", "/api/v1/visits/a%00b/replay", None),
        ("post", "/api/v1/visits/a%00b/feedback", {"confirmed": True}),
        ("get", "/api/v1/attempts/a%00b/selfie", None),
        ("get", f"/api/v1/visits/{'x' * 3000}", None),
        ("get", f"/api/v1/attempts/{'x' * 3000}/selfie", None),
        (
            "post",
            "/api/v1/visits/visit-0002/check-in",
            {**attempt, "client_id": 1, "fix": {**fix, "time": YEAR_ONE}},
        ),
        ("post", "/api/v1/visits/visit-0002/check-in", {**attempt, "client_id": 1, "device_time": YEAR_ONE}),
        ("post", "/api/v1/visits/visit-0001/trail", {"points": [{**fix, "time": YEAR_ONE}]}),
        ("post", "/api/v1/visits/visit-0001/items", {"items": [{"code": "L01", "started_at": YEAR_ONE}]}),
        ("get", f"/api/v1/alerts?occurred_from={YEAR_ONE.replace('+', '%2B')}", None),
        ("get", f"/api/v1/alerts/stats/rules?occurred_to={YEAR_ONE.replace('+', '%2B')}", None),
        ("get", "/api/v1/alerts?occurred_to=9999-12-31T23:59:59-14:00", None),
        ("get", "/api/v1/settlement/clients/1?month=0001-01", None),
        ("get", "/api/v1/settlement/agencies/1.csv?month=9999-12", None),
        ("get", "/api/v1/reports/agencies/1/monthly?month=0001-01", None),
        ("get", "/api/v1/dashboard?from=9999-12-31&to=9999-12-31", None),
        ("get", "/api/v1/dashboard?from=0001-01-01&to=0001-01-01", None),
        ("get", "/api/v1/caregivers/1/day?date=0001-01-01", None),
        ("get", "/api/v1/caregivers/1/day?date=9999-12-31", None),
        (
            "post",
            "/api/v1/spot-checks",
            {
                "period_start": "0001-01-01",
                "period_end": "0001-01-02",
                "method": "uniform",
                "size": 5,
                "seed": 1,
            },
        ),
        (
            "post",
            "/api/v1/spot-checks",
            {
                "period_start": "9999-12-30",
                "period_end": "9999-12-31",
                "method": "uniform",
                "size": 5,
                "seed": 1,
            },
        ),
    ]
    return out


def test_none_of_the_probes_inputs_gives_a_500(app, roles):
    now = datetime.now(UTC) - timedelta(minutes=1)
    failures = []
    for method, url, body in _requests(now):
        for role, headers in roles.items():
            client = app.test_client()
            resp = getattr(client, method)(url, json=body, headers=headers)
            if resp.status_code >= 500 or (
                resp.is_json and "error" in resp.get_json() and not resp.get_json()["error"].get("code")
            ):
                failures.append((role, method, url[:80], str(body)[:80], resp.status_code))
    assert failures == []


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("path", ["/api/v1/auth/sign-in", "/api/v1/auth/refresh"])
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400_without_a_token(client, path, depth):
    resp = client.post(path, data=_nested(depth), content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "malformed_json"
    wrapped = b'{"username": ' + _nested(depth) + b', "password": "x"}'
    resp = client.post(path, data=wrapped, content_type="application/json")
    assert 400 <= resp.status_code < 500 and resp.get_json()["error"]["code"]


def test_a_nul_byte_anywhere_in_a_body_is_a_422_naming_the_field(client):
    resp = client.post("/api/v1/auth/sign-in", json={"username": "bo\x00ss", "password": "whatever-password"})
    assert resp.status_code == 422
    assert (
        resp.get_json()["error"]["code"] == "invalid_characters"
        and resp.get_json()["error"]["field"] == "username"
    )


def test_a_number_is_not_a_date(app, roles):
    client = app.test_client()
    for url in ("/api/v1/alerts?occurred_to=0.5", "/api/v1/alerts/stats/rules?occurred_from=1700000000"):
        resp = client.get(url, headers=roles["supervisor"])
        assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_field", url


def test_a_wrong_method_answers_405_with_allow(client):
    resp = client.delete("/api/v1/auth/sign-in")
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    assert set(resp.headers["Allow"].split(", ")) >= {"POST"}


def _integer_schemas(schema: dict):
    """Every integer (sub)schema of a property: itself, its items, its anyOf alternatives and their items."""
    for s in (schema, schema.get("items", {}), *schema.get("anyOf", [])):
        if s.get("type") == "integer":
            yield s
        if s.get("type") == "array" and s is not schema:
            yield from _integer_schemas(s["items"])


def _unbounded(schema: dict) -> bool:
    return schema.get("maximum", 2**63) > 2**31 - 1


def test_the_spec_bounds_every_integer_id(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    unbounded = [
        (method, path, p["name"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        for p in op.get("parameters", [])
        if p["schema"].get("type") == "integer" and _unbounded(p["schema"])
    ]
    schemas = spec["components"]["schemas"]
    for name in ("CheckInIn", "CheckOutIn", "SpotCheckIn", "BulkDismissIn"):
        for field, prop in schemas[name]["properties"].items():
            if field.endswith(("_id", "_ids")) and any(_unbounded(s) for s in _integer_schemas(prop)):
                unbounded.append((name, field))
    assert unbounded == []
