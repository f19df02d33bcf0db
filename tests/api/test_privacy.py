"""Biometric and location data (PIPL): selfies, consent, logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import Agency, AuditEntry, Selfie
from field_app.scanning import jobs
from tests import factories as f
from tests.api.conftest import check_in


def staff_token(app, agency_id, role="auditor", code=None):
    with app.app_context():
        agency = db.session.get(Agency, agency_id) if code is None else f.add_agency(code)
        token = f.token_for(f.add_user(role, agencies=[agency]))
        db.session.commit()
        return token


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_selfies_are_not_kept_by_default(app, client, w, now, same_person):
    check_in(client, w, "att-00000001", same_person, now)
    assert count(app, Selfie) == 0


def test_a_kept_selfie_is_read_only_by_the_agencys_auditors_and_every_read_is_audited(
    app, client, w, now, same_person
):
    app.config["SELFIE_RETENTION_DAYS"] = 30
    check_in(client, w, "att-00000001", same_person, now)
    url = "/api/v1/attempts/att-00000001/selfie"
    assert client.get(url).status_code == 403  # the caregiver's own token: not a reviewer
    f.sign_in(client, staff_token(app, w.agency_id, code="OTHER"))
    assert client.get(url).status_code == 404  # another agency's auditor
    f.sign_in(client, staff_token(app, w.agency_id))
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == same_person and resp.mimetype == "image/jpeg"
    assert resp.headers["Cache-Control"] == "no-store"
    assert count(app, AuditEntry, AuditEntry.action == "selfie.read") == 1


def test_selfies_are_purged_after_the_retention_period(app, client, w, now, same_person):
    app.config["SELFIE_RETENTION_DAYS"] = 30
    check_in(client, w, "att-00000001", same_person, now)
    check_in(client, w, "att-00000002", same_person, now, visit="visit-0002")
    with app.app_context():
        old = db.session.scalars(select(Selfie)).first()
        old.stored_at = datetime.now(UTC) - timedelta(days=31)
        db.session.commit()
        assert jobs.purge_selfies() == 1
        db.session.commit()
    assert count(app, Selfie) == 1 and count(app, AuditEntry, AuditEntry.action == "selfie.purge") == 1


def test_consent_is_recorded_and_then_trails_are_not_kept(app, client, w, now, same_person):
    caregiver_token = w.token
    f.sign_in(client, staff_token(app, w.agency_id, role="supervisor"))
    resp = client.put(f"/api/v1/clients/{w.client_id}/consent", json={"trail_consent": False})
    assert resp.get_json() == {"client_id": w.client_id, "trail_consent": False, "trail_points_deleted": 0}
    f.sign_in(client, caregiver_token)
    check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=5))
    trail = client.post(
        "/api/v1/visits/visit-0001/trail", json={"points": [f.fix(now - timedelta(minutes=1))]}
    )
    assert trail.get_json()["discarded"] == 1
    assert count(app, AuditEntry, AuditEntry.action == "client.consent") == 1


def test_responses_carry_a_request_id_and_logs_carry_no_personal_data(
    app, client, w, now, same_person, caplog
):
    caplog.set_level(logging.INFO, logger="field_app")
    resp = check_in(client, w, "att-00000001", same_person, now)
    request_id = resp.headers["X-Request-Id"]
    assert len(request_id) >= 8
    lines = [r for r in caplog.records if r.name == "field_app.requests"]
    assert lines and lines[-1].request_id == request_id
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("30.75", "120.75", "visit-0001", "att-00000001", "obama", str(w.token)):
        assert secret not in text
    echoed = client.get("/api/v1/auth/me", headers={"X-Request-Id": "phone-req-12345"})
    assert echoed.headers["X-Request-Id"] == "phone-req-12345"


@pytest.mark.parametrize("path", ["/api/v1/visits/visit-0001", "/api/v1/auth/me"])
def test_no_endpoint_returns_face_encodings(client, w, now, same_person, path):
    check_in(client, w, "att-00000001", same_person, now)
    assert "encoding" not in client.get(path).get_data(as_text=True)
