"""A whole visit through the API: check-in, trail, care items, check-out, and reading it back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from field_app.api.responses import ItemsOut, UploadOut, VisitOut
from field_app.extensions import db
from field_app.models import Agency, PerformedItem, TrailPoint, Visit
from tests import factories as f
from tests.api.conftest import check_in, check_out
from tests.api.shapes import assert_shape


def points(start, n, every_s=60, **kw):
    return [f.fix(start + timedelta(seconds=every_s * (k + 1)), **kw) for k in range(n)]


def rows(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_full_honest_visit_is_verified(client, app, w, now, same_person):
    start = now - timedelta(minutes=70)
    check_in(client, w, "att-in-0001", same_person, start)
    trail = client.post("/api/v1/visits/visit-0001/trail", json={"points": points(start, 60)})
    assert assert_shape(trail, UploadOut) == {"received": 60, "stored": 60, "duplicates": 0, "discarded": 0}
    items = client.post(
        "/api/v1/visits/visit-0001/items",
        json={
            "items": [
                {"code": "L03", "started_at": (start + timedelta(minutes=5)).isoformat()},
                {"code": "L13", "started_at": (start + timedelta(minutes=50)).isoformat()},
            ]
        },
    )
    assert assert_shape(items, ItemsOut)["stored"] == 2
    out = check_out(client, w, "att-out-0001", same_person, now - timedelta(minutes=5))
    visit = out.get_json()["visit"]
    assert out.status_code == 200 and visit["state"] == "closed"
    assert visit["duration"] == {"minutes": 65.0, "required_minutes": 55, "status": "ok"}
    assert visit["verification_status"] == "verified"
    full = client.get("/api/v1/visits/visit-0001")
    body = assert_shape(full, VisitOut)
    assert len(body["trail"]) == 60 and [a["kind"] for a in body["attempts"]] == ["check_in", "check_out"]
    assert "encoding" not in full.get_data(as_text=True)


def test_a_visit_shorter_than_its_items_minimum_is_unverified(client, w, now, same_person):
    start = now - timedelta(minutes=20)
    check_in(client, w, "att-in-0001", same_person, start)
    client.post(
        "/api/v1/visits/visit-0001/items",
        json={"items": [{"code": "L03", "started_at": (start + timedelta(minutes=2)).isoformat()}]},
    )  # bathing: 40 min
    visit = check_out(client, w, "att-out-0001", same_person, now).get_json()["visit"]
    assert visit["duration"]["status"] == "too_short" and visit["duration"]["required_minutes"] == 40
    assert visit["verification_status"] == "unverified"


def test_a_visit_longer_than_the_maximum_is_unverified(client, app, w, now, same_person):
    app.config["VISIT_MAX_MINUTES"] = 60
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=90))
    visit = check_out(client, w, "att-out-0001", same_person, now).get_json()["visit"]
    assert visit["duration"]["status"] == "too_long" and visit["verification_status"] == "unverified"


def test_trail_resent_late_out_of_order_is_stored_once(client, app, w, now, same_person):
    start = now - timedelta(minutes=60)
    check_in(client, w, "att-in-0001", same_person, start)
    batch = points(start, 30)
    first = client.post("/api/v1/visits/visit-0001/trail", json={"points": batch[10:]})
    late = client.post("/api/v1/visits/visit-0001/trail", json={"points": list(reversed(batch))})
    assert first.get_json()["stored"] == 20
    assert late.get_json() == {"received": 30, "stored": 10, "duplicates": 20, "discarded": 0}
    assert rows(app, TrailPoint) == 30
    trail = client.get("/api/v1/visits/visit-0001").get_json()["trail"]
    times = [p["time"] for p in trail]
    assert times == sorted(times)


def test_trail_points_off_site_are_marked_outside(client, w, now, same_person):
    start = now - timedelta(minutes=30)
    check_in(client, w, "att-in-0001", same_person, start)
    client.post(
        "/api/v1/visits/visit-0001/trail",
        json={"points": points(start, 5, lat=f.HOME[0] + 0.01, accuracy_m=15)},
    )
    trail = client.get("/api/v1/visits/visit-0001").get_json()["trail"]
    assert {p["geofence_status"] for p in trail} == {"outside"} and min(p["distance_m"] for p in trail) > 1000


def test_trail_without_consent_is_discarded(client, app, now, same_person):
    w = f.world(app, client, trail_consent=False)
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=30))
    resp = client.post(
        "/api/v1/visits/visit-0001/trail", json={"points": points(now - timedelta(minutes=30), 5)}
    )
    assert resp.get_json() == {"received": 5, "stored": 0, "duplicates": 0, "discarded": 5}
    assert rows(app, TrailPoint) == 0


def test_trail_for_a_visit_closed_beyond_the_grace_period_is_refused(client, app, w, now, same_person):
    start = now - timedelta(days=3)
    check_in(client, w, "att-in-0001", same_person, start)
    check_out(client, w, "att-out-0001", same_person, start + timedelta(minutes=60))
    resp = client.post("/api/v1/visits/visit-0001/trail", json={"points": points(start, 3)})
    assert resp.status_code == 409 and assert_shape(resp)["error"]["code"] == "visit_closed"
    assert rows(app, TrailPoint) == 0


def test_items_outside_the_plan_and_medical_items_by_a_non_nurse_are_stored_and_marked(
    client, app, now, same_person
):
    w = f.world(app, client, plan_codes=["L01", "L03"])
    start = now - timedelta(minutes=30)
    check_in(client, w, "att-in-0001", same_person, start)
    body = {
        "items": [
            {"code": code, "started_at": (start + timedelta(minutes=n)).isoformat()}
            for n, code in enumerate(["L01", "L15", "M09"])
        ]
    }
    resp = client.post("/api/v1/visits/visit-0001/items", json=body)
    items = {i["code"]: i for i in resp.get_json()["items"]}
    assert items["L01"] == {**items["L01"], "in_care_plan": True, "nurse_required": False}
    assert items["L15"]["in_care_plan"] is False
    assert items["M09"]["nurse_required"] is True and items["M09"]["in_care_plan"] is False
    again = client.post("/api/v1/visits/visit-0001/items", json=body)
    assert again.get_json()["duplicates"] == 3 and rows(app, PerformedItem) == 3


def test_unknown_service_item_is_refused_and_nothing_stored(client, app, w, now, same_person):
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=10))
    resp = client.post(
        "/api/v1/visits/visit-0001/items",
        json={
            "items": [
                {"code": "L01", "started_at": now.isoformat()},
                {"code": "ZZ9", "started_at": now.isoformat()},
            ]
        },
    )
    assert resp.status_code == 422 and resp.get_json()["error"] == {
        "code": "unknown_service_item",
        "message": "ZZ9 is not in the service catalogue.",
        "field": "items[1].code",
    }
    assert rows(app, PerformedItem) == 0


def test_check_out_without_check_in_is_refused(client, w, now, same_person):
    resp = check_out(client, w, "att-out-0001", same_person, now)
    # answered exactly as another caregiver's visit is (issue 17: out of scope looks like missing)
    assert resp.status_code == 404 and assert_shape(resp)["error"]["code"] == "visit_not_found"


def test_check_out_of_a_closed_visit_is_refused_and_changes_nothing(client, w, now, same_person):
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=60))
    first = check_out(client, w, "att-out-0001", same_person, now - timedelta(minutes=1))
    resp = check_out(client, w, "att-out-0002", same_person, now)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "visit_not_open"
    visit = client.get("/api/v1/visits/visit-0001").get_json()
    assert visit["check_out_at"] == first.get_json()["visit"]["check_out_at"] and len(visit["attempts"]) == 2


def test_check_out_before_check_in_time_is_refused(client, w, now, same_person):
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=10))
    resp = check_out(client, w, "att-out-0001", same_person, now - timedelta(minutes=20))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "check_out_before_check_in"


def test_an_open_visit_stays_visible(client, w, now, same_person):
    check_in(client, w, "att-in-0001", same_person, now - timedelta(hours=20))
    visit = client.get("/api/v1/visits/visit-0001").get_json()
    assert visit["state"] == "open" and visit["check_out_at"] is None and visit["duration"]["minutes"] is None


def test_unknown_visit_is_404(client, w):
    resp = client.get("/api/v1/visits/nope-0001")
    assert resp.status_code == 404 and assert_shape(resp)["error"]["code"] == "visit_not_found"


def test_another_caregiver_cannot_check_out_someone_elses_visit(client, app, w, now, same_person):
    check_in(client, w, "att-in-0001", same_person, now - timedelta(minutes=30))
    with app.app_context():
        other = f.add_caregiver(db.session.get(Agency, w.agency_id), code="CG2", enrol_photo=same_person)
        f.sign_in(client, f.token_for(f.add_user("caregiver", caregiver=other), "phone-1"))
        db.session.commit()
        other_id = other.id
    body = f.attempt_body(w, "att-out-0001", same_person, now, with_client=False)
    resp = client.post("/api/v1/visits/visit-0001/check-out", json={**body, "caregiver_id": other_id})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "visit_not_found"
    assert client.get("/api/v1/visits/visit-0001").status_code == 404  # not theirs: as if absent


def changed_at(app):
    with app.app_context():
        return db.session.scalar(select(Visit.changed_at))


def test_an_open_visits_points_mark_it_for_rescanning_at_most_every_few_minutes(
    client, app, w, now, same_person
):
    app.config["TRAIL_RESCAN_MINUTES"] = 10
    start = now - timedelta(minutes=60)
    check_in(client, w, "att-in-0001", same_person, start)
    at_check_in = changed_at(app)
    client.post("/api/v1/visits/visit-0001/trail", json={"points": points(start, 10)})
    assert changed_at(app) == at_check_in  # the scan triggered by the check-in is minutes old at most
    with app.app_context():  # ten minutes later
        db.session.scalar(select(Visit)).changed_at = at_check_in - timedelta(minutes=10)
        db.session.commit()
    client.post("/api/v1/visits/visit-0001/trail", json={"points": points(start + timedelta(minutes=10), 10)})
    rescan = changed_at(app)
    assert rescan > at_check_in
    client.post("/api/v1/visits/visit-0001/trail", json={"points": points(start + timedelta(minutes=20), 10)})
    assert changed_at(app) == rescan
    check_out(client, w, "att-out-0001", same_person, now - timedelta(minutes=1))
    closed = changed_at(app)
    assert closed > rescan  # the check-out always marks it: the whole trail is judged once it is closed
    late = client.post(
        "/api/v1/visits/visit-0001/trail", json={"points": points(start + timedelta(minutes=30), 5)}
    )
    assert (
        late.get_json()["stored"] == 5 and changed_at(app) > closed
    )  # late points of a closed visit: at once
