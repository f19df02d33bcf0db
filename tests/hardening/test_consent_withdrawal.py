"""Withdrawn trail consent (issue 17, finding 5, PIPL art. 15 and 47): the client's stored trail points
are deleted when consent is withdrawn; the check-in/out fixes, items, alerts and settlement stay (they are
the service record the fund pays on, not the trail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import AuditEntry, TrailPoint, VisitAttempt
from field_app.services.catalogue import load_catalogue
from tests import factories as f


@pytest.fixture
def world(app):
    """Two clients with a closed visit of 60 trail points each, a supervisor of their agency."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    with app.app_context():
        load_catalogue()
        agency = f.add_agency()
        caregiver = f.add_caregiver(agency, device_id="phone-1")
        mine, other = f.add_client(agency), f.add_client(agency, insured_id="INS-2")
        f.add_visit("visit-0001", caregiver.id, mine.id, agency.id, start, 60, items=("L01",), points=60)
        f.add_visit(
            "visit-0002", caregiver.id, other.id, agency.id, start + timedelta(hours=2), 60, points=60
        )
        token = f.token_for(f.add_user("supervisor", agencies=[agency]))
        db.session.commit()
        ids = (mine.id, other.id)
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "client_id": ids[0],
        "other_id": ids[1],
        "month": start.strftime("%Y-%m"),
    }


def _points(app, visit_uuid=None) -> int:
    from field_app.models import Visit

    with app.app_context():
        stmt = select(func.count()).select_from(TrailPoint).join(Visit, Visit.id == TrailPoint.visit_id)
        if visit_uuid:
            stmt = stmt.where(Visit.uuid == visit_uuid)
        return db.session.scalar(stmt)


def test_withdrawing_consent_deletes_the_past_trail_and_keeps_the_service_record(app, client, world):
    h = world["headers"]
    before = client.get(
        f"/api/v1/settlement/clients/{world['client_id']}?month={world['month']}", headers=h
    ).get_json()
    assert len(client.get("/api/v1/visits/visit-0001", headers=h).get_json()["trail"]) == 60
    assert _points(app, "visit-0001") == 60

    resp = client.put(
        f"/api/v1/clients/{world['client_id']}/consent", json={"trail_consent": False}, headers=h
    )
    assert resp.status_code == 200 and resp.get_json()["trail_points_deleted"] == 60

    assert _points(app, "visit-0001") == 0 and _points(app, "visit-0002") == 60  # only that client's
    visit = client.get("/api/v1/visits/visit-0001", headers=h).get_json()
    assert visit["trail"] == [] and len(visit["attempts"]) == 2 and len(visit["items"]) == 1
    replay = client.get("/api/v1/visits/visit-0001/replay", headers=h).get_json()
    kinds = {e["type"] for e in replay["timeline"]}
    assert "trail_point" not in kinds and {"check_in", "check_out"} <= kinds
    assert not [feat for feat in replay["map"]["features"] if feat["properties"].get("kind") == "fix"]
    after = client.get(
        f"/api/v1/settlement/clients/{world['client_id']}?month={world['month']}", headers=h
    ).get_json()
    assert after == before  # settlement rests on the attempts and items, which are kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VisitAttempt)) == 4
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "client.consent")).one()
        assert entry.details["trail_points_deleted"] == 60


def test_new_points_after_withdrawal_are_discarded_and_consent_given_again_keeps_them(app, client, world):
    h = world["headers"]
    client.put(f"/api/v1/clients/{world['client_id']}/consent", json={"trail_consent": False}, headers=h)
    again = client.put(
        f"/api/v1/clients/{world['client_id']}/consent", json={"trail_consent": True}, headers=h
    )
    assert again.status_code == 200 and again.get_json()["trail_points_deleted"] == 0
    assert _points(app, "visit-0002") == 60
