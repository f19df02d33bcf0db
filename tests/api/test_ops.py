"""Health, readiness and metrics."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import OperationalError

from field_app import create_app
from field_app.extensions import db
from tests.api.conftest import check_in


def test_health_and_ready(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/ready").get_json() == {"status": "ready"}


def test_ready_fails_while_the_database_is_unreachable():
    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    resp = down.test_client().get("/ready")
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "database_unavailable"
    assert down.test_client().get("/health").status_code == 200  # alive, just not ready
    with down.app_context():
        db.engine.dispose()


def test_a_database_outage_during_a_request_is_a_retryable_503(app, client, w, now, same_person, monkeypatch):
    from field_app.services import attendance

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(attendance, "find_replay", down)
    resp = check_in(client, w, "att-00000001", same_person, now)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "2"
    assert resp.get_json()["error"]["code"] == "database_unavailable"


def test_metrics_count_requests_and_verifications(client, w, now, same_person):
    check_in(client, w, "att-00000001", same_person, now - timedelta(seconds=5))
    client.application.config["METRICS_TOKEN"] = "scraper-token"
    text = client.get("/metrics", headers={"Authorization": "Bearer scraper-token"}).get_data(as_text=True)
    assert 'field_app_request_seconds_count{method="POST",route="/api/v1/visits/<visit_id>/check-in"' in text
    assert 'field_app_verifications_total{face="matched",geofence="inside",kind="check_in"}' in text
