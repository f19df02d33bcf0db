"""Bedside NTAG 424 DNA tags through the API: registration by agency staff or the bureau, and taps at
check-in/out — valid, replayed, with a counter that did not grow, forged, another client's, unknown."""

from __future__ import annotations

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Agency, AuditEntry, NfcTag, TagTap
from tests import factories as f
from tests.presence.conftest import FakeTag, attempt

UID = "04A1B2C3D4E5F6"
SELFIE_N = 4  # obama/5.jpg: the enrolled caregiver


def _staff(app, client, w, role="supervisor"):
    with app.app_context():
        agency = db.session.get(Agency, w.agency_id)
        user = f.add_user(role, agencies=[agency]) if role != "admin" else f.add_user("admin")
        token = f.token_for(user)
        db.session.commit()
    return token


def _register(app, client, w, uid=UID, client_id=None, role="supervisor"):
    caregiver_token = client.environ_base["HTTP_AUTHORIZATION"]
    f.sign_in(client, _staff(app, client, w, role))
    resp = client.post(f"/api/v1/clients/{client_id or w.client_id}/tags", json={"uid": uid})
    client.environ_base["HTTP_AUTHORIZATION"] = caregiver_token
    return resp


def _taps(app, status=None):
    with app.app_context():
        stmt = select(TagTap.status)
        return list(db.session.scalars(stmt if status is None else stmt.where(TagTap.status == status)))


def test_a_tag_is_registered_without_ever_returning_its_keys(client, w, app):
    resp = _register(app, client, w)
    body = resp.get_json()
    assert resp.status_code == 201 and body["uid"] == UID and body["client_id"] == w.client_id
    assert not {k for k in body if "key" in k}
    with app.app_context():
        stored = db.session.scalar(select(NfcTag))
        tag = FakeTag(UID)
        assert tag.file_key not in stored.file_key_enc  # encrypted at rest
    assert _register(app, client, w).get_json()["error"]["code"] == "tag_exists"
    assert _register(app, client, w, uid="XYZ").status_code == 422


def test_the_bureau_registers_and_another_agencys_staff_cannot(client, w, app):
    assert _register(app, client, w, role="admin").status_code == 201
    with app.app_context():
        other = f.add_agency("B1")
        other_client = f.add_client(other, insured_id="330499999999")
        db.session.commit()
        other_id = other_client.id
    resp = _register(app, client, w, uid="04FFFFFFFFFFFF", client_id=other_id)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "client_not_found"


def test_a_valid_tap_settles_an_uncertain_fence(client, w, app, now):
    _register(app, client, w)
    tag = FakeTag(UID)
    edge = {"lat": f.HOME[0] + 0.0009, "accuracy_m": 30.0}  # ~100 m north, accuracy straddling the fence
    resp = attempt(
        client, w, "check-in", "att-tag-00001", f.photo("obama", SELFIE_N), now, fix_kw=edge, tag=tag.tap(now)
    )
    body = resp.get_json()
    assert resp.status_code == 200, body
    presence = body["attempt"]["presence"]
    assert presence["parts"]["fence"] == "uncertain" and presence["parts"]["tag"] == "valid"
    assert (presence["decision"], presence["reason"]) == ("present", "uncertain_fence_tag_valid")
    out = attempt(client, w, "check-out", "att-tag-00002", f.photo("obama", SELFIE_N), now, tag=tag.tap(now))
    assert out.status_code == 200 and out.get_json()["visit"]["presence"]["parts"]["tag"] == "valid"
    assert _taps(app) == ["valid", "valid"]


def test_a_replayed_tap_is_refused_and_recorded(client, w, app, now):
    _register(app, client, w)
    tap = FakeTag(UID).tap(now)
    assert (
        attempt(client, w, "check-in", "att-rep-00001", f.photo("obama", SELFIE_N), now, tag=tap).status_code
        == 200
    )
    again = attempt(client, w, "check-out", "att-rep-00002", f.photo("obama", SELFIE_N), now, tag=tap)
    body = again.get_json()
    assert again.status_code == 200 and body["error"]["code"] == "tag_replayed"
    assert body["attempt"]["presence"]["decision"] == "not_present" and body["visit"]["state"] == "open"
    assert _taps(app, "replayed") == ["replayed"]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tag.tap_refused")) is not None


def test_a_counter_that_does_not_increase_is_refused(client, w, app, now):
    _register(app, client, w)
    tag = FakeTag(UID)
    assert (
        attempt(
            client,
            w,
            "check-in",
            "att-ctr-00001",
            f.photo("obama", SELFIE_N),
            now,
            tag=tag.tap(now, counter=10),
        ).status_code
        == 200
    )
    lower = attempt(
        client, w, "check-out", "att-ctr-00002", f.photo("obama", SELFIE_N), now, tag=tag.tap(now, counter=9)
    )
    assert lower.status_code == 200 and lower.get_json()["error"]["code"] == "tag_replayed"
    higher = attempt(
        client, w, "check-out", "att-ctr-00003", f.photo("obama", SELFIE_N), now, tag=tag.tap(now, counter=11)
    )
    assert higher.status_code == 200 and higher.get_json()["visit"]["state"] == "closed"


def test_a_wrong_cmac_is_a_forged_tap(client, w, app, now):
    _register(app, client, w)
    tap = FakeTag(UID).tap(now)
    tap["cmac"] = ("0" if tap["cmac"][0] != "0" else "1") + tap["cmac"][1:]
    resp = attempt(client, w, "check-in", "att-forg-0001", f.photo("obama", SELFIE_N), now, tag=tap)
    assert resp.status_code == 200 and resp.get_json()["error"]["code"] == "tag_forged"
    assert _taps(app) == ["forged"]


def test_a_tap_made_with_another_installations_keys_is_forged(client, w, app, now):
    _register(app, client, w)
    tap = FakeTag(UID, master=bytes(16)).tap(now)
    resp = attempt(client, w, "check-in", "att-forg-0002", f.photo("obama", SELFIE_N), now, tag=tap)
    assert resp.status_code == 200 and resp.get_json()["error"]["code"] == "tag_forged"


def test_the_tag_of_another_client_is_refused(client, w, app, now):
    with app.app_context():
        neighbour = f.add_client(db.session.get(Agency, w.agency_id), insured_id="330400000002")
        db.session.commit()
        neighbour_id = neighbour.id
    _register(app, client, w, uid="04000000000099", client_id=neighbour_id)
    resp = attempt(
        client,
        w,
        "check-in",
        "att-othr-0001",
        f.photo("obama", SELFIE_N),
        now,
        tag=FakeTag("04000000000099").tap(now),
    )
    body = resp.get_json()
    assert resp.status_code == 200 and body["error"]["code"] == "tag_other_client"
    assert body["attempt"]["presence"]["reason"] == "tag_refused"


def test_an_unregistered_tag_is_refused(client, w, app, now):
    resp = attempt(
        client, w, "check-in", "att-unkn-0001", f.photo("obama", SELFIE_N), now, tag=FakeTag(UID).tap(now)
    )
    assert resp.status_code == 200 and resp.get_json()["error"]["code"] == "tag_unknown"


def test_malformed_tag_data_is_a_clear_422_and_stores_nothing(client, w, app, now):
    tap = FakeTag(UID).tap(now)
    tap["picc_data"] = "zz" * 16
    resp = attempt(client, w, "check-in", "att-malf-0001", f.photo("obama", SELFIE_N), now, tag=tap)
    assert resp.status_code == 422 and resp.get_json()["error"]["field"].startswith("tag")
    assert _taps(app) == []


def test_where_tags_are_required_a_visit_without_a_tap_is_undetermined(client, w, app, now):
    app.config["TAG_REQUIRED"] = True
    _register(app, client, w)
    resp = attempt(client, w, "check-in", "att-req-00001", f.photo("obama", SELFIE_N), now)
    presence = resp.get_json()["attempt"]["presence"]
    assert resp.status_code == 200
    assert (presence["decision"], presence["reason"]) == ("undetermined", "tag_required_missing")


def test_staff_list_a_clients_tags(client, w, app):
    _register(app, client, w)
    f.sign_in(client, _staff(app, client, w, role="auditor"))
    body = client.get(f"/api/v1/clients/{w.client_id}/tags").get_json()
    assert [t["uid"] for t in body["tags"]] == [UID] and "file_key_enc" not in body["tags"][0]


def test_a_client_id_beyond_the_database_integer_is_404_for_both_methods_of_the_tags_path(client, w, app):
    """GET and POST share the path as two rules: an id above 2**31 - 1 must not match either (not 405)."""
    f.sign_in(client, _staff(app, client, w, role="admin"))
    for resp in (
        client.get("/api/v1/clients/2147483648/tags"),
        client.post("/api/v1/clients/2147483648/tags"),
    ):
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/clients/2147483647/tags").status_code == 404  # in range: no such client
    assert client.get("/api/v1/clients/2147483647/tags").get_json()["error"]["code"] == "client_not_found"


def test_a_replayed_tap_raises_p02_with_the_presence_decision_in_the_alert(client, w, app, now):
    from field_app.models import Alert
    from field_app.scanning import jobs

    _register(app, client, w)
    tap = FakeTag(UID).tap(now)
    attempt(client, w, "check-in", "att-scan-0001", f.photo("obama", SELFIE_N), now, tag=tap)
    attempt(client, w, "check-out", "att-scan-0002", f.photo("obama", SELFIE_N), now, tag=tap)
    with app.app_context():
        jobs.scan("incremental")
        alert_id = db.session.scalar(select(Alert.id).where(Alert.rule_code == "P02"))
    assert alert_id is not None
    f.sign_in(client, _staff(app, client, w))
    detail = client.get(f"/api/v1/alerts/{alert_id}").get_json()
    assert detail["evidence"]["refused"][0]["status"] == "replayed"
    assert detail["visits"][0]["presence"]["decision"] == "not_present"
    assert detail["visits"][0]["presence"]["parts"]["tag"] == "replayed"
