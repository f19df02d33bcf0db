"""Sign-in, tokens, device binding and rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from field_app import create_app
from field_app.extensions import db
from field_app.models import Agency, ApiToken, AuditEntry, Caregiver, User
from tests import factories as f


@pytest.fixture
def people(app):
    """A caregiver on phone-1 and a supervisor, both with the test password."""
    with app.app_context():
        agency = f.add_agency()
        caregiver = f.add_caregiver(agency)
        f.add_user("caregiver", "carer", caregiver=caregiver)
        f.add_user("supervisor", "boss", agencies=[agency])
        db.session.commit()


def sign_in(client, username, password=f.PASSWORD, **extra):
    return client.post("/api/v1/auth/sign-in", json={"username": username, "password": password, **extra})


def test_a_caregiver_signs_in_from_the_registered_phone(client, people):
    resp = sign_in(client, "carer", device_id="phone-1")
    body = resp.get_json()
    assert resp.status_code == 200 and body["token_type"] == "Bearer" and body["user"]["role"] == "caregiver"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["username"] == "carer"


def test_tokens_are_stored_hashed(app, client, people):
    token = sign_in(client, "boss").get_json()["access_token"]
    with app.app_context():
        hashes = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in hashes and len(hashes) == 2


def test_wrong_password_and_unknown_user_get_the_same_401(client, people):
    wrong = sign_in(client, "carer", "nope-nope-nope", device_id="phone-1")
    unknown = sign_in(client, "nobody", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_a_caregiver_must_name_the_phone_and_it_must_be_registered(app, client, people):
    assert sign_in(client, "carer").get_json()["error"]["code"] == "device_required"
    resp = sign_in(client, "carer", device_id="someone-elses-phone")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "device_not_registered"
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "auth.unregistered_device")
            )
            == 1
        )


def test_with_the_flag_policy_an_unregistered_phone_signs_in_and_is_recorded(app, client, people):
    app.config["UNREGISTERED_DEVICE"] = "flag"
    assert sign_in(client, "carer", device_id="new-phone").status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "auth.unregistered_device")
            )
            == 1
        )


def test_refresh_rotates_and_sign_out_revokes(client, people):
    first = sign_in(client, "boss").get_json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    assert second["access_token"] != first["access_token"]
    auth = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.post("/api/v1/auth/sign-out", headers=auth).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 401
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    # the rotated token again: a reuse (tests/hardening/test_refresh_rotation.py revokes a live sign-in)
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and reused.get_json()["error"]["code"] == "refresh_token_reused"


def test_an_expired_access_token_is_refused(app, client, people):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        token = f.token_for(user)
        db.session.execute(
            ApiToken.__table__.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_token"


def test_a_disabled_account_cannot_use_its_tokens(app, client, people):
    token = sign_in(client, "boss").get_json()["access_token"]
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "boss")).active = False
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Basic abc", "Bearer not-a-token"])
def test_missing_or_bad_authorization_is_401(client, header):
    resp = client.get("/api/v1/auth/me", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] in (
        "authentication_required",
        "invalid_token",
    )


def test_sign_in_is_rate_limited_per_username(app, client, people):
    app.config["SIGN_IN_LIMIT"] = 3
    codes = [sign_in(client, "boss", "wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = sign_in(client, "boss")  # even the right password waits for the window
    assert limited.status_code == 429 and limited.get_json()["retry_after_seconds"] > 0


def test_check_in_attempts_are_rate_limited_per_caregiver(app, client):
    w = f.world(app, client)
    app.config["ATTEMPT_LIMIT"] = 2
    now = datetime.now(UTC)
    bodies = [f.attempt_body(w, f"att-0000000{n}", b"not an image", now) for n in range(3)]
    codes = [
        client.post(f"/api/v1/visits/visit-000{n}/check-in", json=b).status_code for n, b in enumerate(bodies)
    ]
    assert codes == [422, 422, 429]


def test_a_check_in_from_another_phone_than_the_token_is_refused_and_recorded(app, client, same_person):
    w = f.world(app, client)
    body = {**f.attempt_body(w, "att-00000001", same_person, datetime.now(UTC)), "device_id": "phone-9"}
    resp = client.post("/api/v1/visits/visit-0001/check-in", json=body)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "device_mismatch"
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "visit.device_mismatch")
            )
            == 1
        )


def test_users_create_makes_the_first_admin(app, runner, client):
    result = runner.invoke(args=["users", "create", "root", "--role", "admin", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    assert sign_in(client, "root", "long-enough-1").status_code == 200
    bad = runner.invoke(
        args=["users", "create", "sup", "--role", "supervisor", "--password", "long-enough-1"]
    )
    assert bad.exit_code != 0 and "agencies" in bad.output


def test_users_create_binds_a_caregiver_account(app, runner):
    with app.app_context():
        f.add_caregiver(f.add_agency(), code="CG9")
        db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cg9",
            "--role",
            "caregiver",
            "--caregiver",
            "CG9",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "cg9"))
        assert db.session.get(Caregiver, user.caregiver_id).code == "CG9"
        assert user.password_hash.startswith("scrypt:")
        assert db.session.get(Agency, 1) is not None


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("FIELD_APP_ENV", "production")
    monkeypatch.delenv("FIELD_APP_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TESTING": True})
    monkeypatch.setenv("FIELD_APP_SECRET_KEY", "a-real-secret-from-the-vault")
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["ENV"] == "production"
