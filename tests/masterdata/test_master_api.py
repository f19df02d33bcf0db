"""Master data through the API: checks, upserts, versions, phones, the written policy, the audit trail."""

from __future__ import annotations

import json

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.services.catalogue import load_catalogue
from tests.masterdata import helpers as h


def _catalogue(app):
    with app.app_context():
        load_catalogue()
        db.session.commit()


def _onboard(app, client):
    """Admin, agency, supervisor; the client is left signed in as the supervisor."""
    _catalogue(app)
    h.bootstrap_admin(app, client)
    agency = h.ok(client.post("/api/v1/agencies", json=h.agency()), 201)
    h.ok(
        client.post(
            "/api/v1/users",
            json={
                "username": "sup-a",
                "password": h.PASSWORD,
                "role": "supervisor",
                "agency_ids": [agency["id"]],
            },
        ),
        201,
    )
    return agency


def test_bad_credit_code_and_id_number_are_422_with_their_codes(app, client):
    _onboard(app, client)
    bad = client.post("/api/v1/agencies", json=h.agency("JX-B", credit="91350100M000100Y44"))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_credit_code"
    h.sign_in(client, "sup-a")
    bad = client.post("/api/v1/caregivers", json=h.caregiver(id_number="110105194912310021"))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_id_number"
    assert "check character" in bad.get_json()["error"]["message"]


def test_caregiver_id_number_is_never_stored_returned_or_audited_in_clear(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    body = h.ok(client.post("/api/v1/caregivers", json=h.caregiver(id_number=h.ID_CAREGIVER)), 201)
    assert body["id_masked"] == "1101**********002X" and h.ID_CAREGIVER not in json.dumps(body)
    listed = h.ok(client.get("/api/v1/caregivers?q=CG0"))
    assert listed["total"] == 1 and h.ID_CAREGIVER not in json.dumps(listed)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        assert h.ID_CAREGIVER not in json.dumps([e.details for e in entries])
        created = [e for e in entries if e.action == "caregiver.create"]
        assert created and created[0].actor.startswith("user:") and created[0].details["after"]["name"]


def test_reimport_of_the_same_record_changes_nothing_and_an_update_is_audited_with_before_and_after(
    app, client
):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    first = h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    again = h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 200)
    assert again == first
    changed = h.ok(client.patch(f"/api/v1/caregivers/{first['id']}", json={"qualification": "nurse"}))
    assert changed["is_nurse"] is True
    with app.app_context():
        updates = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "caregiver.update")).all()
        assert len(updates) == 1
        assert updates[0].details["before"]["qualification"] == "caregiver_4"
        assert updates[0].details["after"]["qualification"] == "nurse"


def test_policy_bureau_owns_clients_and_plans_agency_owns_caregivers(app, client):
    _onboard(app, client)
    assert client.post("/api/v1/caregivers", json=h.caregiver()).status_code == 403  # admin: not agency staff
    h.sign_in(client, "sup-a")
    assert client.post("/api/v1/clients", json=h.client_row()).status_code == 403
    assert client.post("/api/v1/agencies", json=h.agency("X")).status_code == 403
    foreign = client.post("/api/v1/caregivers", json=h.caregiver(agency_code="JX-ZZ"))
    assert foreign.status_code == 422 and foreign.get_json()["error"]["code"] == "unknown_agency"


def test_phone_request_approval_limit_replacement_and_revocation(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    cg = h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    h.ok(
        client.post(
            "/api/v1/users",
            json={"username": "cg001", "password": h.PASSWORD, "role": "caregiver", "caregiver_id": cg["id"]},
        ),
        201,
    )
    first = h.ok(client.post(f"/api/v1/caregivers/{cg['id']}/phones", json={"device_id": "phone-1"}), 201)
    assert first["status"] == "requested"
    client.environ_base.pop("HTTP_AUTHORIZATION")
    refused = client.post(
        "/api/v1/auth/sign-in", json={"username": "cg001", "password": h.PASSWORD, "device_id": "phone-1"}
    )
    assert refused.status_code == 403  # not approved yet
    h.sign_in(client, "sup-a")
    assert h.ok(client.post(f"/api/v1/phones/{first['id']}/approve", json={}))["status"] == "active"
    second = h.ok(client.post(f"/api/v1/caregivers/{cg['id']}/phones", json={"device_id": "phone-2"}), 201)
    limit = client.post(f"/api/v1/phones/{second['id']}/approve", json={})
    assert limit.status_code == 409 and limit.get_json()["error"]["code"] == "phone_limit_reached"
    caregiver_token = h.sign_in(client, "cg001", "phone-1")
    assert client.get("/api/v1/auth/me").status_code == 200
    h.sign_in(client, "sup-a")
    new = h.ok(client.post(f"/api/v1/phones/{first['id']}/replace", json={"device_id": "phone-3"}))
    assert new["status"] == "active" and new["replaces_id"] == first["id"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {caregiver_token}"
    assert client.get("/api/v1/auth/me").status_code == 401  # the replaced phone's sign-in ended
    h.sign_in(client, "cg001", "phone-3")
    h.sign_in(client, "sup-a")
    h.ok(client.post(f"/api/v1/phones/{new['id']}/revoke", json={"reason": "lost"}))
    client.environ_base.pop("HTTP_AUTHORIZATION")
    gone = client.post(
        "/api/v1/auth/sign-in", json={"username": "cg001", "password": h.PASSWORD, "device_id": "phone-3"}
    )
    assert gone.status_code == 403


def test_care_plan_versions_take_cap_from_the_scheme_table(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    h.sign_in(client, "admin")
    h.ok(client.post("/api/v1/clients", json=h.client_row()), 201)
    h.ok(
        client.post("/api/v1/clients", json=h.client_row("330400000002", care_type="institution_medical")),
        201,
    )
    v1 = h.ok(client.post("/api/v1/care-plans", json=h.plan()), 201)
    assert (v1["version"], v1["monthly_cap_yuan"], v1["fund_share"]) == (1, 1500.0, 0.8)
    assert h.ok(client.post("/api/v1/care-plans", json=h.plan()), 200)["id"] == v1["id"]  # unchanged
    v2 = h.ok(
        client.patch(
            f"/api/v1/care-plans/{v1['id']}", json={"visit_days": [1, 3, 5], "effective_from": "2026-06-01"}
        )
    )
    assert v2["version"] == 2 and v2["id"] != v1["id"] and v2["visits_per_week"] == 3
    old = h.ok(client.get(f"/api/v1/care-plans/{v1['id']}"))
    assert old["effective_until"] == "2026-05-31" and old["status"] == "ended"
    medical = h.ok(client.post("/api/v1/care-plans", json=h.plan("330400000002")), 201)
    assert (medical["monthly_cap_yuan"], medical["fund_share"]) == (2400.0, 0.7)
    rate = h.ok(
        client.post(
            "/api/v1/scheme-rates",
            json={
                "care_type": "home",
                "effective_from": "2027-01-01",
                "monthly_cap_yuan": 1600,
                "fund_share": 0.8,
            },
        ),
        201,
    )
    rates = h.ok(client.get("/api/v1/scheme-rates?care_type=home"))["items"]
    assert [x["effective_until"] for x in rates] == ["2026-12-31", None] and rates[1]["id"] == rate["id"]
    versions = h.ok(client.get(f"/api/v1/care-plans?client_id={v1['client_id']}"))
    assert [p["version"] for p in versions["items"]] == [1, 2]


def test_flask_users_create_binds_a_caregiver_made_through_the_api(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    cg = h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "wang-cg",
            "--role",
            "caregiver",
            "--caregiver",
            "CG001",
            "--password",
            h.PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    h.ok(
        client.post(f"/api/v1/caregivers/{cg['id']}/phones", json={"device_id": "p-9", "approved": True}), 201
    )
    h.sign_in(client, "wang-cg", "p-9")
    assert h.ok(client.get("/api/v1/auth/me"))["caregiver_id"] == cg["id"]


def test_a_left_caregiver_loses_phones_and_sign_in_but_stays_for_history(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    cg = h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    h.ok(
        client.post(f"/api/v1/caregivers/{cg['id']}/phones", json={"device_id": "p-1", "approved": True}), 201
    )
    gone = h.ok(client.post(f"/api/v1/caregivers/{cg['id']}/deactivate", json={"reason": "resigned"}))
    assert gone["status"] == "left" and [p["status"] for p in gone["phones"]] == ["revoked"]
    assert h.ok(client.get(f"/api/v1/caregivers/{cg['id']}"))["id"] == cg["id"]
