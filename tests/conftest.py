"""Test fixtures: an app on a fresh real database per test (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from field_app import create_app
from field_app.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _normalise(url: str) -> str:
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url[len(old) :]
    return url


def _migrate(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def schema_source(tmp_path_factory):
    """Build the schema once through the migrations: a template file (SQLite) or the test database."""
    if TEST_DATABASE_URL:
        url = _normalise(TEST_DATABASE_URL)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _migrate(url)
        return url
    template = tmp_path_factory.mktemp("schema") / "template.sqlite"
    _migrate(f"sqlite:///{template}")
    return template


def _fresh_database(schema_source, tmp_path) -> str:
    if TEST_DATABASE_URL:
        engine = create_engine(schema_source)
        with engine.begin() as conn:
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            # TRUNCATE skips the audit log's row triggers: only tests wipe it.
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return schema_source
    path = tmp_path / "test.sqlite"
    shutil.copy(schema_source, path)
    return f"sqlite:///{path}"


def _check_errors_are_documented(app) -> list[str]:
    """Every error an API operation answers in any test must be one of the codes its spec lists."""
    from flask import request

    from field_app.api.openapi import operation_codes

    undocumented: list[str] = []

    @app.after_request
    def _check(response):
        view = app.view_functions.get(request.endpoint) if request.url_rule else None
        if response.status_code >= 400 and getattr(view, "openapi", None) and response.is_json:
            code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
            if code not in operation_codes(view) and response.status_code < 500:
                undocumented.append(
                    f"{request.method} {request.url_rule.rule} -> {response.status_code} {code}"
                )
        return response

    return undocumented


@pytest.fixture
def app(schema_source, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _fresh_database(schema_source, tmp_path)})
    undocumented = _check_errors_are_documented(app)
    yield app
    assert undocumented == [], "errors answered that the operation's spec does not list"
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    """A test client that asks for English: the suite's assertions quote the English source texts.
    Chinese (the default without the header) is tested in tests/i18n."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
