"""Refresh-token rotation (issue 17, finding 9): exactly one winner among parallel refreshes, and the
re-use of a rotated refresh token revokes the whole sign-in (token-family reuse detection, OAuth 2.0
Security BCP 4.14.2)."""

from __future__ import annotations

import threading

import pytest

from field_app.extensions import db
from tests import factories as f


@pytest.fixture
def tokens(app, client):
    with app.app_context():
        f.add_user("supervisor", "boss", agencies=[f.add_agency()])
        db.session.commit()
    resp = client.post("/api/v1/auth/sign-in", json={"username": "boss", "password": f.PASSWORD})
    assert resp.status_code == 200
    return resp.get_json()


def refresh(client, token):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def me(client, access):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"}).status_code


def test_parallel_refreshes_with_one_token_have_exactly_one_winner(app, tokens):
    n = 8
    barrier, answers = threading.Barrier(n), [None] * n

    def run(k):
        client = app.test_client()
        barrier.wait()
        answers[k] = refresh(client, tokens["refresh_token"])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] + [401] * (n - 1)


def test_reusing_a_rotated_refresh_token_revokes_the_whole_sign_in(client, tokens):
    rotated = refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200
    new = rotated.get_json()
    assert me(client, new["access_token"]) == 200

    reuse = refresh(client, tokens["refresh_token"])  # the old one again: a copy was stolen, or this is
    assert reuse.status_code == 401 and reuse.get_json()["error"]["code"] == "refresh_token_reused"
    assert me(client, new["access_token"]) == 401  # the whole family is gone
    assert refresh(client, new["refresh_token"]).status_code == 401
