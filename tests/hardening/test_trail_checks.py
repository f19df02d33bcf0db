"""Trail and item checks (issue 17, finding 13): the batch's phone is the token's phone, items end after
they start, points and items lie in the visit's time window (with a slack), accuracy is bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import PerformedItem, TrailPoint
from tests import factories as f
from tests.api.conftest import check_in


@pytest.fixture
def open_visit(client, w, now, same_person):
    assert check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=40)).status_code == 200
    return now - timedelta(minutes=40)


def trail(client, points, **extra):
    return client.post("/api/v1/visits/visit-0001/trail", json={"points": points, **extra})


def items(client, *entries):
    return client.post("/api/v1/visits/visit-0001/items", json={"items": list(entries)})


def _code(resp):
    return resp.status_code, resp.get_json()["error"]["code"]


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(TrailPoint)),
            db.session.scalar(select(func.count()).select_from(PerformedItem)),
        )


def test_a_batch_naming_another_phone_is_refused(app, client, w, now, open_visit):
    resp = trail(client, [f.fix(now - timedelta(minutes=5))], device_id="phone-of-someone-else")
    assert _code(resp) == (403, "device_mismatch")
    assert trail(client, [f.fix(now - timedelta(minutes=5))], device_id="phone-1").status_code == 200


def test_an_item_ending_before_it_starts_is_refused(app, client, now, open_visit):
    start = now - timedelta(minutes=30)
    resp = items(
        client,
        {
            "code": "L01",
            "started_at": start.isoformat(),
            "ended_at": (start - timedelta(minutes=1)).isoformat(),
        },
    )
    assert _code(resp) == (422, "item_ends_before_start")
    assert resp.get_json()["error"]["field"] == "items[0].ended_at"
    assert _counts(app) == (0, 0)


def test_points_and_items_long_before_the_check_in_are_refused(app, client, now, open_visit):
    long_ago = now - timedelta(days=29)
    point = trail(client, [f.fix(now - timedelta(minutes=5)), f.fix(long_ago)])
    assert (
        _code(point) == (422, "outside_visit_window")
        and point.get_json()["error"]["field"] == "points[1].time"
    )
    item = items(client, {"code": "L01", "started_at": long_ago.isoformat()})
    assert (
        _code(item) == (422, "outside_visit_window")
        and item.get_json()["error"]["field"] == "items[0].started_at"
    )
    assert _counts(app) == (0, 0)


def test_points_a_little_before_the_check_in_are_kept(app, client, now, open_visit):
    resp = trail(client, [f.fix(open_visit - timedelta(minutes=10)), f.fix(now - timedelta(minutes=1))])
    assert resp.status_code == 200 and resp.get_json()["stored"] == 2


def test_points_long_after_the_check_out_are_refused(app, client, w, now, same_person):
    from tests.api.conftest import check_out

    assert check_in(client, w, "att-00000001", same_person, now - timedelta(hours=4)).status_code == 200
    assert check_out(client, w, "att-00000002", same_person, now - timedelta(hours=3)).status_code == 200
    assert trail(client, [f.fix(now - timedelta(hours=3, minutes=30))]).status_code == 200
    assert _code(trail(client, [f.fix(now)])) == (422, "outside_visit_window")


@pytest.mark.parametrize("accuracy", [1e308, 1e6])
def test_an_absurd_accuracy_is_refused(app, client, now, open_visit, accuracy):
    resp = trail(client, [f.fix(now - timedelta(minutes=1), accuracy_m=accuracy)])
    assert _code(resp) == (422, "invalid_accuracy")
