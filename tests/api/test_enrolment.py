"""Face enrolment through the API: real photos, all-or-nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from field_app.api.responses import EnrolmentOut
from field_app.extensions import db
from field_app.models import Agency, FaceEnrolment
from tests import factories as f
from tests.api.shapes import assert_shape


@pytest.fixture(autouse=True)
def as_supervisor(app, client, w):
    """Enrolment is done at the agency by its supervisor: the test client signs in as one."""
    with app.app_context():
        agency = db.session.get(Agency, w.agency_id)
        f.sign_in(client, f.token_for(f.add_user("supervisor", agencies=[agency])))
        db.session.commit()


def enrolments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FaceEnrolment))


def test_enrol_two_photos_then_check_in_matches(client, app, w):
    before = enrolments(app)
    resp = client.post(
        f"/api/v1/caregivers/{w.caregiver_id}/face-enrolments",
        json={"photos": [f.b64(f.photo("obama", 1)), f.b64(f.photo("obama", 2))]},
    )
    body = assert_shape(resp, EnrolmentOut)
    assert resp.status_code == 201 and len(body["enrolments"]) == 2 and body["total"] == before + 2
    assert "encoding" not in resp.get_data(as_text=True)


def test_one_bad_photo_refuses_the_whole_enrolment(client, app, w, two_faces_photo):
    before = enrolments(app)
    resp = client.post(
        f"/api/v1/caregivers/{w.caregiver_id}/face-enrolments",
        json={"photos": [f.b64(f.photo("obama", 1)), f.b64(two_faces_photo)]},
    )
    err = assert_shape(resp)["error"]
    assert resp.status_code == 422 and err["code"] == "multiple_faces" and err["field"] == "photos[1]"
    assert enrolments(app) == before


def test_a_photo_without_a_face_is_refused(client, app, w):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 160)).save(buffer, format="JPEG")
    resp = client.post(
        f"/api/v1/caregivers/{w.caregiver_id}/face-enrolments", json={"photos": [f.b64(buffer.getvalue())]}
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "no_face"


def test_a_face_too_small_to_trust_is_refused(client, app, w):
    import io

    from PIL import Image

    face = Image.open(io.BytesIO(f.photo("obama", 1))).convert("RGB")
    face.thumbnail((90, 90))
    canvas = Image.new("RGB", (1600, 1200), (90, 90, 90))
    canvas.paste(face, (10, 10))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=95)
    resp = client.post(
        f"/api/v1/caregivers/{w.caregiver_id}/face-enrolments", json={"photos": [f.b64(buffer.getvalue())]}
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] in ("face_too_small", "no_face")


def test_enrolment_for_an_unknown_caregiver_is_404(client, w):
    resp = client.post(
        "/api/v1/caregivers/999/face-enrolments", json={"photos": [f.b64(f.photo("obama", 1))]}
    )
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "caregiver_not_found"


def test_another_agencys_supervisor_and_caregivers_cannot_enrol(client, app, w):
    with app.app_context():
        other = f.add_agency("B1")
        f.sign_in(client, f.token_for(f.add_user("supervisor", agencies=[other])))
        db.session.commit()
    url = f"/api/v1/caregivers/{w.caregiver_id}/face-enrolments"
    resp = client.post(url, json={"photos": [f.b64(f.photo("obama", 1))]})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "caregiver_not_found"
    f.sign_in(client, w.token)  # the caregiver themself
    assert client.post(url, json={"photos": [f.b64(f.photo("obama", 1))]}).status_code == 403
