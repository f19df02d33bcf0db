"""Two-way confirmation (双向确认) through the API: asked at check-out by policy or sample, answered by
the family with a short-lived single-use signed code; a denial or silence raises C02 at the next scan."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Agency, Alert, Client, VisitConfirmation
from field_app.scanning import jobs
from tests import factories as f
from tests.api.conftest import needs_shared_faces
from tests.presence.conftest import attempt

SELFIE = 4


def _visit(client, w, now, visit="visit-0001"):
    selfie = f.photo("obama", SELFIE)
    attempt(client, w, "check-in", f"in-{visit}", selfie, now - timedelta(minutes=50), visit=visit)
    resp = attempt(client, w, "check-out", f"out-{visit}", selfie, now, visit=visit)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _family(app, w, client_id=None):
    with app.app_context():
        user = f.add_user("family", client=db.session.get(Client, client_id or w.client_id))
        token = f.token_for(user)
        db.session.commit()
    return token


def _as(client, token):
    f.sign_in(client, token)
    return client


def test_always_asked_confirmed_once_and_the_decision_follows(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    out = _visit(client, w, now)
    assert out["visit"]["presence"]["parts"]["confirmation"] == "pending"
    family = _as(client, _family(app, w))
    pending = family.get("/api/v1/me/confirmations").get_json()["confirmations"]
    assert [p["visit_id"] for p in pending] == ["visit-0001"] and pending[0]["reason"] == "policy"
    code = pending[0]["code"]
    answered = family.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": True})
    assert answered.status_code == 200 and answered.get_json()["status"] == "confirmed"
    again = family.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": False})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "confirmation_used"
    assert family.get("/api/v1/me/confirmations").get_json()["confirmations"] == []
    _as(client, w.token)
    presence = client.get("/api/v1/visits/visit-0001").get_json()["presence"]
    assert presence["parts"]["confirmation"] == "confirmed" and presence["decision"] == "present"


def test_a_denial_makes_the_visit_not_present_and_raises_c02(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    _visit(client, w, now)
    family = _as(client, _family(app, w))
    code = family.get("/api/v1/me/confirmations").get_json()["confirmations"][0]["code"]
    assert (
        family.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": False}).status_code
        == 200
    )
    _as(client, w.token)
    presence = client.get("/api/v1/visits/visit-0001").get_json()["presence"]
    assert (presence["decision"], presence["reason"]) == ("not_present", "client_denied")
    with app.app_context():
        jobs.scan("incremental")
        alert = db.session.scalar(select(Alert).where(Alert.rule_code == "C02"))
        assert alert is not None and alert.evidence["confirmation"] == "denied"


def test_an_expired_code_is_refused_and_silence_raises_c02(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    _visit(client, w, now)
    family = _as(client, _family(app, w))
    code = family.get("/api/v1/me/confirmations").get_json()["confirmations"][0]["code"]
    with app.app_context():
        row = db.session.scalar(select(VisitConfirmation))
        row.expires_at = now - timedelta(minutes=1)
        db.session.commit()
    resp = family.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": True})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "confirmation_expired"
    with app.app_context():
        jobs.scan("incremental")
        alert = db.session.scalar(select(Alert).where(Alert.rule_code == "C02"))
        assert alert is not None and alert.evidence["confirmation"] == "expired"


def test_a_code_past_its_signed_age_is_expired_even_before_the_database_says_so(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    _visit(client, w, now)
    family = _as(client, _family(app, w))
    code = family.get("/api/v1/me/confirmations").get_json()["confirmations"][0]["code"]
    app.config["CONFIRMATION_MINUTES"] = -1  # the signature's max_age is now behind the code's timestamp
    resp = family.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": True})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "confirmation_expired"


def test_a_forged_code_and_another_familys_code_are_refused(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    _visit(client, w, now)
    family = _as(client, _family(app, w))
    code = family.get("/api/v1/me/confirmations").get_json()["confirmations"][0]["code"]
    forged = family.post("/api/v1/confirmations/answer", json={"code": code[:-3] + "abc", "confirmed": False})
    assert forged.status_code == 422 and forged.get_json()["error"]["code"] == "confirmation_code_invalid"
    with app.app_context():
        other = f.add_client(db.session.get(Agency, w.agency_id), insured_id="330400000777")
        db.session.commit()
        other_id = other.id
    stranger = _as(client, _family(app, w, other_id))
    resp = stranger.post("/api/v1/confirmations/answer", json={"code": code, "confirmed": False})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "confirmation_not_found"


def test_off_by_default_and_sampled_at_the_configured_rate(client, w, app, now):
    out = _visit(client, w, now)
    assert out["visit"]["presence"]["parts"]["confirmation"] is None
    app.config.update(CONFIRMATION_POLICY="sample", CONFIRMATION_SAMPLE_RATE=1.0)
    out = _visit(client, w, now, visit="visit-0002")
    assert out["visit"]["presence"]["parts"]["confirmation"] == "pending"
    with app.app_context():
        assert db.session.scalar(select(VisitConfirmation.reason)) == "sample"


def _enrol_client_face(client, app, w, photo, consent_by="family"):
    with app.app_context():
        staff = f.add_user("supervisor", agencies=[db.session.get(Agency, w.agency_id)])
        token = f.token_for(staff)
        db.session.commit()
    caregiver = client.environ_base["HTTP_AUTHORIZATION"]
    f.sign_in(client, token)
    resp = client.post(
        f"/api/v1/clients/{w.client_id}/face-enrolments",
        json={"photos": [f.b64(photo)], "consent_by": consent_by},
    )
    client.environ_base["HTTP_AUTHORIZATION"] = caregiver
    return resp


@needs_shared_faces
def test_the_clients_own_face_at_check_out_confirms_the_visit(client, w, app, now):
    """The client ('biden', enrolled with the family's consent) is photographed at check-out."""
    app.config["CONFIRMATION_POLICY"] = "always"
    enrolled = _enrol_client_face(client, app, w, f.photo("biden", 0))
    assert enrolled.status_code == 201 and enrolled.get_json()["total"] == 1
    selfie = f.photo("obama", SELFIE)
    attempt(client, w, "check-in", "in-cface-0001", selfie, now - timedelta(minutes=50))
    out = attempt(
        client, w, "check-out", "out-cface-0001", selfie, now, client_selfie=f.b64(f.photo("biden", 1))
    )
    assert out.status_code == 200, out.get_json()
    presence = out.get_json()["visit"]["presence"]
    assert presence["parts"]["client_face"] == "matched" and presence["parts"]["confirmation"] == "confirmed"
    with app.app_context():
        row = db.session.scalar(select(VisitConfirmation))
        assert (row.method, row.status, row.reason) == ("client_face", "confirmed", "client_face")


@needs_shared_faces
def test_another_face_than_the_clients_leaves_the_family_to_answer(client, w, app, now):
    app.config["CONFIRMATION_POLICY"] = "always"
    _enrol_client_face(client, app, w, f.photo("biden", 0), consent_by="client")
    selfie = f.photo("obama", SELFIE)
    attempt(client, w, "check-in", "in-cface-0002", selfie, now - timedelta(minutes=50))
    out = attempt(
        client,
        w,
        "check-out",
        "out-cface-0002",
        selfie,
        now,
        client_selfie=f.b64(f.photo("kit_harington", 0)),
    )
    presence = out.get_json()["visit"]["presence"]
    assert presence["parts"]["client_face"] == "mismatch" and presence["parts"]["confirmation"] == "pending"


def test_a_client_face_photo_without_a_face_stores_nothing(client, w, app):
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (400, 300), (120, 120, 120)).save(blank, "JPEG")
    resp = _enrol_client_face(client, app, w, blank.getvalue())
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "no_face"
