"""Every endpoint × every role × an object in scope and one out of scope.

Two agencies, A and B, each with a caregiver, a client (with a family account) and an open visit. The
callers are A's caregiver, supervisor and auditor, A's client's family, an admin, and nobody; the
objects are A's ("in") and B's ("out"). Refusals outside the caller's scope are 404s that look exactly
like a missing object; refusals of a role are 403; no token is 401.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from field_app.extensions import db
from field_app.services.catalogue import load_catalogue
from tests import factories as f

NOW = datetime.now(UTC).replace(microsecond=0)
ROLES = ("caregiver", "supervisor", "auditor", "family", "admin", "anonymous")


@pytest.fixture
def two_agencies(app):
    """Agencies A and B with a caregiver (enrolled for A), client, family account and open visit each."""
    ids: dict = {"tokens": {}}
    with app.app_context():
        load_catalogue()
        for name in ("A", "B"):
            agency = f.add_agency(name)
            caregiver = f.add_caregiver(agency, code=f"CG{name}", device_id=f"phone-{name}",
                                        enrol_photo=f.photo("obama", 0) if name == "A" else None)
            client = f.add_client(agency, insured_id=f"3304{name}0000001")
            f.add_visit(f"visit-{name}-0001", caregiver.id, client.id, agency.id, NOW - timedelta(minutes=30), None)
            ids[name] = {"agency": agency.id, "caregiver": caregiver.id, "client": client.id,
                         "visit": f"visit-{name}-0001"}
            if name == "A":
                tokens = ids["tokens"]
                tokens["caregiver"] = f.token_for(f.add_user("caregiver", caregiver=caregiver), "phone-A")
                tokens["supervisor"] = f.token_for(f.add_user("supervisor", agencies=[agency]))
                tokens["auditor"] = f.token_for(f.add_user("auditor", agencies=[agency]))
                tokens["family"] = f.token_for(f.add_user("family", client=client))
        ids["tokens"]["admin"] = f.token_for(f.add_user("admin"))
        db.session.commit()
    return ids


def _attempt(ids, side, attempt_id, with_client=True):
    body = {"attempt_id": attempt_id, "caregiver_id": ids["A"]["caregiver"], "device_id": "phone-A",
            "device_time": NOW.isoformat(), "fix": f.fix(NOW), "selfie": f.b64(f.photo("obama", 1))}
    if with_client:
        body["client_id"] = ids[side]["client"]
    return body


def _points():
    return {"points": [f.fix(NOW - timedelta(minutes=5))]}


def _items():
    return {"items": [{"code": "L01", "started_at": (NOW - timedelta(minutes=20)).isoformat()}]}


#: endpoint -> (method, url for side, body for side, expected status per role for "in" and for "out")
ENDPOINTS = {
    "check-in": ("post", lambda ids, s: f"/api/v1/visits/new-{s}-0001/check-in",
                 lambda ids, s: _attempt(ids, s, f"att-in-{s}-01"),
                 {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)}),
    "trail": ("post", lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/trail", lambda ids, s: _points(),
              {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)}),
    "items": ("post", lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/items", lambda ids, s: _items(),
              {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)}),
    "check-out": ("post", lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/check-out",
                  lambda ids, s: _attempt(ids, s, f"att-out-{s}-1", with_client=False),
                  {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)}),
    "get-visit": ("get", lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}", None,
                  {"in": (200, 200, 200, 200, 200, 401), "out": (404, 404, 404, 404, 200, 401)}),
    "enrol": ("post", lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}/face-enrolments",
              lambda ids, s: {"photos": [f.b64(f.photo("obama", 2))]},
              {"in": (403, 201, 403, 403, 201, 401), "out": (403, 404, 403, 403, 201, 401)}),
    "registry": ("post", lambda ids, s: "/api/v1/registry/deaths", lambda ids, s: {"rows": []},
                 {"in": (403, 403, 403, 403, 200, 401), "out": (403, 403, 403, 403, 200, 401)}),
    "me": ("get", lambda ids, s: "/api/v1/auth/me", None,
           {"in": (200, 200, 200, 200, 200, 401), "out": (200, 200, 200, 200, 200, 401)}),
}
CASES = [(e, side, role) for e in ENDPOINTS for side in ("in", "out") for role in ROLES]


@pytest.mark.parametrize(("endpoint", "side", "role"), CASES, ids=["-".join(c) for c in CASES])
def test_access(client, two_agencies, endpoint, side, role):
    method, url, body, expected = ENDPOINTS[endpoint]
    ids = two_agencies
    if role != "anonymous":
        f.sign_in(client, ids["tokens"][role])
    target = "A" if side == "in" else "B"
    kwargs = {} if body is None else {"json": body(ids, target)}
    resp = getattr(client, method)(url(ids, target), **kwargs)
    want = expected[side][ROLES.index(role)]
    assert resp.status_code == want, resp.get_json()
    if want >= 400:
        error = resp.get_json()["error"]
        assert error["code"] and error["message"]
        if want == 404:  # out of scope answers exactly like an absent object: nothing about B leaks
            assert error["code"].endswith("_not_found")


def test_family_sees_their_clients_visit_without_other_peoples_data(client, two_agencies):
    f.sign_in(client, two_agencies["tokens"]["family"])
    body = client.get(f"/api/v1/visits/{two_agencies['A']['visit']}").get_json()
    assert body["state"] == "open"
    assert not {"attempts", "trail", "caregiver_id", "agency_id"} & set(body)
