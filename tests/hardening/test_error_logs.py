"""Error logs carry no personal data (issue 17, finding 7, PIPL): the engine hides SQL parameters and
the unexpected-error log names the request id, the exception type and where, never values."""

from __future__ import annotations

import logging

from sqlalchemy import text

from field_app.extensions import db

SECRET = "30.7512345,120.7598765 ok\x00 张三"


def test_the_engine_hides_sql_parameters(app):
    with app.app_context():
        assert db.engine.hide_parameters is True


def test_a_forced_database_error_logs_the_request_id_and_no_values(app, client, caplog):
    @app.post("/boom")
    def boom():  # an unexpected database error while storing coordinates
        db.session.execute(
            text("INSERT INTO visits (uuid) VALUES (:coords)"), {"coords": SECRET[:60].replace("\x00", "")}
        )

    with caplog.at_level(logging.DEBUG):
        resp = client.post("/boom", headers={"X-Request-Id": "req-12345678"})
    assert (
        resp.status_code == 500 and resp.get_json()["error"]["code"] == "internal_error"
    )  # NOT NULL violated
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert "req-12345678" in "\n".join(getattr(r, "request_id", "") for r in caplog.records)
    for needle in ("30.7512345", "120.7598765", "张三"):
        assert needle not in logged, needle


def test_an_unexpected_error_logs_where_but_not_its_message(app, client, caplog):
    @app.post("/boom2")
    def boom2():
        raise ValueError(f"bad fix {SECRET}")

    with caplog.at_level(logging.DEBUG):
        resp = client.post("/boom2", headers={"X-Request-Id": "req-87654321"})
    assert resp.status_code == 500
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert records and all(r.request_id == "req-87654321" for r in records)
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in records
    )
    assert "ValueError" in logged and "boom2" in logged and "30.7512345" not in logged
