"""Schedules: generated from care plans (idempotently), changed by the agency with reasons, versioned plans."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import AuditEntry
from tests.masterdata import helpers as h
from tests.masterdata.test_master_api import _onboard

TZ = ZoneInfo("Asia/Shanghai")


def _world(app, client):
    _onboard(app, client)
    h.sign_in(client, "sup-a")
    h.ok(client.post("/api/v1/caregivers", json=h.caregiver()), 201)
    sub = h.ok(client.post("/api/v1/caregivers", json=h.caregiver("CG002")), 201)
    h.sign_in(client, "admin")
    h.ok(client.post("/api/v1/clients", json=h.client_row()), 201)
    plan = h.ok(
        client.post("/api/v1/care-plans", json=h.plan(visit_days=[1, 3, 5], substitutes=["CG002"])), 201
    )
    h.sign_in(client, "sup-a")
    return plan, sub


def test_generation_is_idempotent_and_follows_the_visit_days(app, client):
    _world(app, client)
    first = h.ok(client.post("/api/v1/schedules/generate", json={"days": 14}))
    again = h.ok(client.post("/api/v1/schedules/generate", json={"days": 14}))
    assert first["created"] == 6 and (again["created"], again["existing"]) == (0, 6)
    today = datetime.now(TZ).date()
    listed = h.ok(client.get(f"/api/v1/planned-visits?date={today + timedelta(days=1)}&days=14"))[
        "planned_visits"
    ]
    days = {
        datetime.fromisoformat(p["starts_at"].replace("Z", "+00:00")).astimezone(TZ).isoweekday()
        for p in listed
    }
    assert days == {1, 3, 5} and all(p["starts_at"].endswith("01:00:00Z") for p in listed)  # 09:00 local


def test_the_agency_moves_gives_to_a_substitute_adds_and_cancels_with_reasons(app, client):
    _, sub = _world(app, client)
    h.ok(client.post("/api/v1/schedules/generate", json={"days": 7}))
    today = datetime.now(TZ).date()
    planned = h.ok(client.get(f"/api/v1/planned-visits?date={today + timedelta(days=1)}&days=7"))[
        "planned_visits"
    ]
    first, second = planned[0], planned[1]
    later = datetime.fromisoformat(first["starts_at"].replace("Z", "+00:00")) + timedelta(hours=2)
    moved = h.ok(
        client.post(
            f"/api/v1/planned-visits/{first['planned_visit_id']}/move",
            json={
                "starts_at": later.isoformat(),
                "caregiver_id": sub["id"],
                "reason": "client at the clinic",
            },
        )
    )
    assert (
        moved["starts_at"].startswith(later.strftime("%Y-%m-%dT%H"))
        and moved["reason"] == "client at the clinic"
    )
    no_reason = client.post(
        f"/api/v1/planned-visits/{second['planned_visit_id']}/cancel", json={"reason": ""}
    )
    assert no_reason.status_code == 422
    cancelled = h.ok(
        client.post(
            f"/api/v1/planned-visits/{second['planned_visit_id']}/cancel", json={"reason": "family away"}
        )
    )
    assert cancelled["status"] == "cancelled"
    again = client.post(
        f"/api/v1/planned-visits/{second['planned_visit_id']}/cancel", json={"reason": "twice"}
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "planned_visit_closed"
    added = h.ok(
        client.post(
            "/api/v1/planned-visits",
            json={
                "client_id": first["client"]["client_id"],
                "starts_at": later.isoformat(),
                "reason": "make-up visit",
            },
        ),
        201,
    )
    assert added["source"] == "agency"
    with app.app_context():
        actions = [
            e.action
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "planned_visit"))
        ]
        assert actions == ["planned_visit.move", "planned_visit.cancel", "planned_visit.add"]


def test_a_new_plan_version_cancels_the_old_versions_waiting_visits_and_regenerates(app, client):
    plan, _ = _world(app, client)
    h.ok(client.post("/api/v1/schedules/generate", json={"days": 14}))
    h.sign_in(client, "admin")
    today = datetime.now(TZ).date()
    v2 = h.ok(
        client.patch(
            f"/api/v1/care-plans/{plan['id']}", json={"visit_days": [2, 4], "effective_from": str(today)}
        )
    )
    h.sign_in(client, "sup-a")
    h.ok(client.post("/api/v1/schedules/generate", json={"days": 14}))
    listed = h.ok(client.get(f"/api/v1/planned-visits?date={today + timedelta(days=1)}&days=14"))[
        "planned_visits"
    ]
    waiting = [p for p in listed if p["status"] == "planned"]
    assert waiting and {p["care_plan_id"] for p in waiting} == {v2["id"]}
    assert {p["reason"] for p in listed if p["status"] == "cancelled"} == {"care plan version 2"}
