"""Onboarding through the public API only: the calls a new installation makes, as plain helpers."""

from __future__ import annotations

from tests import factories as f

CREDIT_A = "91350100M000100Y43"
CREDIT_B = "91330402MA2B8W4X1H"
ID_CAREGIVER = "11010519491231002X"
ID_CLIENT = "440524188001010014"
PASSWORD = "onboard-pass-1"


def ok(resp, *status):
    assert resp.status_code in (status or (200, 201)), resp.get_json()
    return resp.get_json()


def as_user(client, token: str) -> None:
    f.sign_in(client, token)


def sign_in(client, username: str, device_id: str | None = None) -> str:
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    body = {"username": username, "password": PASSWORD}
    if device_id:
        body["device_id"] = device_id
    token = ok(client.post("/api/v1/auth/sign-in", json=body))["access_token"]
    f.sign_in(client, token)
    return token


def agency(code="JX-A01", credit=CREDIT_A, **extra) -> dict:
    return {"code": code, "name": f"Agency {code}", "credit_code": credit, "district": "南湖区", **extra}


def caregiver(code="CG001", agency_code="JX-A01", **extra) -> dict:
    return {
        "code": code,
        "agency_code": agency_code,
        "name": f"护理员{code}",
        "qualification": "caregiver_4",
        "certificate_no": f"ZJ-{code}",
        "certificate_valid_until": "2030-12-31",
        "phone": "13800000000",
        **extra,
    }


def client_row(insured_id="330400000001", agency_code="JX-A01", **extra) -> dict:
    return {
        "insured_id": insured_id,
        "agency_code": agency_code,
        "name": f"参保人{insured_id[-3:]}",
        "grade": "severe_2",
        "address": "嘉兴市南湖区示范路1号",
        "home_lat": 30.75,
        "home_lng": 120.75,
        "home_datum": "WGS84",
        **extra,
    }


def plan(insured_id="330400000001", caregiver_code="CG001", **extra) -> dict:
    return {
        "insured_id": insured_id,
        "effective_from": "2026-01-01",
        "items": [{"code": "L01", "per_week": 3, "minutes": 15}, {"code": "L04", "per_week": 2}],
        "visit_days": [1, 2, 3, 4, 5, 6, 7],
        "visit_time": "09:00",
        "visit_minutes": 60,
        "primary_caregiver": caregiver_code,
        **extra,
    }


def bootstrap_admin(app, client) -> str:
    """The first admin comes from ``flask users create``; its token signs this client in."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "admin", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return sign_in(client, "admin")
