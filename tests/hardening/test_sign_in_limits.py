"""Sign-in limits (issue 17, findings 2, 3 and 15): refused requests never count, per-address limits
count failures only, a user is locked only by failed tries of their own password, counters expire and
are purged, the client address comes from the configured trusted proxies, 429 says when to retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from field_app import create_app
from field_app.extensions import db
from field_app.models import RateCounter
from field_app.scanning import jobs
from tests import factories as f

#: one window for the whole test: a fixed 5-minute window could roll over half-way and reset the counts
WHOLE_TEST = 10**9


@pytest.fixture
def staff(app):
    """Twelve supervisors with the test password; the sign-in limit stays the default 10."""
    app.config["RATE_WINDOW_SECONDS"] = WHOLE_TEST
    with app.app_context():
        agency = f.add_agency()
        for n in range(12):
            f.add_user("supervisor", f"boss-{n:02d}", agencies=[agency])
        db.session.commit()
    assert app.config["SIGN_IN_LIMIT"] == 10


def sign_in(client, username, password=f.PASSWORD, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/sign-in",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def counters(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RateCounter))


def test_many_colleagues_sign_in_correctly_from_one_office_address(client, staff):
    """Successes do not count against the address: a morning shift behind one NAT signs in."""
    answers = [sign_in(client, f"boss-{n:02d}").status_code for n in range(12)]
    assert answers == [200] * 12


def test_requests_refused_at_a_limited_address_do_not_lock_the_user(client, staff):
    """Eleven wrong passwords from an address already limited: every one refused, none counted, so
    the right password from another address still works."""
    for n in range(10):
        sign_in(client, f"boss-{n:02d}", "wrong-password", address="10.6.6.6")  # the address is now limited
    refused = [sign_in(client, "boss-11", "wrong-password", address="10.6.6.6") for _ in range(11)]
    assert {r.status_code for r in refused} == {429}
    assert sign_in(client, "boss-11", address="10.9.9.9").status_code == 200


def test_random_usernames_from_a_limited_address_add_no_rows(app, client, staff):
    for n in range(10):
        sign_in(client, f"nobody-{n}", "wrong-password", address="10.6.6.6")
    before = counters(app)
    for n in range(50):
        assert sign_in(client, f"random-{n}", "wrong-password", address="10.6.6.6").status_code == 429
    assert counters(app) == before


def test_ten_failed_tries_of_a_password_lock_that_user_from_every_address(client, staff):
    """The evidence: someone tried this user's password ten times (from ten addresses here)."""
    for n in range(10):
        assert sign_in(client, "boss-00", "wrong-password", address=f"10.1.0.{n}").status_code == 401
    locked = sign_in(client, "boss-00", address="10.9.9.9")
    assert locked.status_code == 429 and locked.get_json()["error"]["code"] == "rate_limited"
    assert sign_in(client, "boss-01", address="10.9.9.9").status_code == 200


def test_a_429_says_when_to_retry_in_the_header_and_the_body(client, staff):
    for n in range(10):
        sign_in(client, f"nobody-{n}", "wrong-password")
    resp = sign_in(client, "boss-00")
    seconds = resp.get_json()["retry_after_seconds"]
    assert resp.status_code == 429 and 0 < seconds <= WHOLE_TEST
    assert resp.headers["Retry-After"] == str(seconds)


def test_expired_counters_are_purged_by_a_scheduler_job(app, client, staff):
    from field_app.scheduler import JOBS

    for n in range(5):
        sign_in(client, f"nobody-{n}", "wrong-password", address=f"10.2.0.{n}")
    assert counters(app) == 10  # 5 addresses + 5 usernames
    assert "purge_rate_counters" in {job.name for job in JOBS}
    with app.app_context():
        assert jobs.purge_rate_counters() == 0  # the window is still running: nothing to purge
        later = datetime.now(UTC) + timedelta(seconds=app.config["RATE_WINDOW_SECONDS"] + 1)
        assert jobs.purge_rate_counters(now=later) == 10
        db.session.commit()
    assert counters(app) == 0


def test_the_client_address_comes_from_the_configured_trusted_proxies(staff_free_app):
    """Behind one trusted proxy the address is the last X-Forwarded-For hop; without the setting the
    header is ignored (anyone could forge it)."""
    behind_proxy = staff_free_app(TRUSTED_PROXIES=1, RATE_WINDOW_SECONDS=WHOLE_TEST)
    seen = []
    for app in (behind_proxy, staff_free_app(TRUSTED_PROXIES=0, RATE_WINDOW_SECONDS=WHOLE_TEST)):
        client = app.test_client()
        for n in range(10):
            client.post(
                "/api/v1/auth/sign-in",
                json={"username": f"nobody-{n}", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"172.16.0.{n}"},
                environ_base={"REMOTE_ADDR": "10.0.0.254"},  # the proxy
            )
        resp = client.post(
            "/api/v1/auth/sign-in",
            json={"username": "nobody-x", "password": "wrong-password"},
            headers={"X-Forwarded-For": "172.16.0.99"},
            environ_base={"REMOTE_ADDR": "10.0.0.254"},
        )
        seen.append(resp.status_code)
    assert seen == [401, 429]  # ten phones behind the proxy are ten addresses; without it, one


@pytest.fixture
def staff_free_app(schema_source, tmp_path):
    from tests.conftest import _fresh_database

    made = []

    def make(**config):
        path = tmp_path / f"db{len(made)}"
        path.mkdir()
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": _fresh_database(schema_source, path), **config}
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
