"""Protocol details (issue 17, finding 15): /metrics needs its bearer token; without one configured it is
not served."""

from __future__ import annotations


def test_metrics_are_not_served_without_a_configured_token(app, client):
    assert not app.config["METRICS_TOKEN"]
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_configured_bearer_token(app, client):
    app.config["METRICS_TOKEN"] = "m" * 32
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
    assert ok.status_code == 200 and "field_app_request_seconds" in ok.get_data(as_text=True)
