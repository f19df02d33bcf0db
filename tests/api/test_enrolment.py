"""Face enrolment through the API with real photos: 3-5 photos, per-photo quality feedback, all or
nothing, a named actor, and a second person for an agency's re-enrolment (issue 16; issue 17 finding 1)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageEnhance, ImageFilter
from sqlalchemy import func, select

from field_app.api.responses import EnrolmentOut
from field_app.extensions import db
from field_app.models import Agency, AuditEntry, Caregiver, EnrolmentChange, FaceEnrolment
from tests import factories as f
from tests.api.conftest import check_in, needs_shared_faces
from tests.api.shapes import assert_shape

OBAMA = [1, 2, 3]  # photos 0 is the world's enrolment; these are three others of the same person


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def edited(n: int, edit) -> bytes:
    return jpeg(edit(Image.open(io.BytesIO(f.photo("obama", n))).convert("RGB")))


def photos(*numbers: int, person: str = "obama") -> list[str]:
    return [f.b64(f.photo(person, n)) for n in numbers]


@pytest.fixture
def staff(app, w):
    """Two supervisors of the world's agency and an admin (the bureau), with their tokens."""
    with app.app_context():
        agency = db.session.get(Agency, w.agency_id)
        users = {
            "sup1": f.add_user("supervisor", agencies=[agency]),
            "sup2": f.add_user("supervisor", agencies=[agency]),
            "admin": f.add_user("admin"),
        }
        out = {name: (u.id, f.token_for(u)) for name, u in users.items()}
        db.session.commit()
    return out


def as_(client, staff, who):
    f.sign_in(client, staff[who][1])
    return client


def fresh_caregiver(app, w) -> int:
    """A caregiver of the world's agency with no face yet: the first enrolment applies at once."""
    with app.app_context():
        caregiver = f.add_caregiver(db.session.get(Agency, w.agency_id), code="CG-NEW", device_id="phone-new")
        db.session.commit()
        return caregiver.id


def enrol(client, caregiver_id, body):
    return client.post(f"/api/v1/caregivers/{caregiver_id}/face-enrolments", json={"photos": body})


def gallery(app, caregiver_id) -> list[int]:
    with app.app_context():
        return [e.id for e in db.session.get(Caregiver, caregiver_id).enrolments]


def test_a_first_enrolment_of_three_good_photos_applies_with_per_photo_feedback(client, app, w, staff):
    caregiver_id = fresh_caregiver(app, w)
    resp = enrol(as_(client, staff, "sup1"), caregiver_id, photos(*OBAMA))
    body = assert_shape(resp, EnrolmentOut)
    assert resp.status_code == 201 and body["status"] == "applied" and body["total"] == 3
    assert [p["accepted"] for p in body["photos"]] == [True, True, True]
    assert all(p["face_px"] >= 80 and p["sharpness"] > 40 for p in body["photos"])
    assert "encoding" not in resp.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "caregiver.enrol_face"))
        assert entry.actor == f"user:{staff['sup1'][0]}" and entry.subject_id == str(caregiver_id)


def test_fewer_than_three_photos_are_refused(client, app, w, staff):
    resp = enrol(as_(client, staff, "sup1"), fresh_caregiver(app, w), photos(1, 2))
    assert resp.status_code == 422 and assert_shape(resp)["error"]["code"] == "too_few_photos"


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda im: im.filter(ImageFilter.GaussianBlur(6)), "blurred"),
        (lambda im: ImageEnhance.Brightness(im).enhance(0.25), "dark"),
        (lambda im: ImageEnhance.Brightness(im).enhance(2.6), "overexposed"),
    ],
)
def test_a_poor_photo_refuses_the_enrolment_with_its_reason_and_a_hint(client, app, w, staff, edit, problem):
    caregiver_id = fresh_caregiver(app, w)
    resp = enrol(as_(client, staff, "sup1"), caregiver_id, [*photos(1, 2), f.b64(edited(3, edit))])
    body = assert_shape(resp)
    assert resp.status_code == 422 and body["error"]["code"] == "enrolment_photos_rejected"
    assert body["error"]["field"] == "photos[2]"
    assert [p["accepted"] for p in body["photos"]] == [True, True, False]
    assert problem in body["photos"][2]["problems"] and body["photos"][2]["hints"]
    assert gallery(app, caregiver_id) == []


def test_a_photo_with_two_faces_is_named_in_the_feedback(client, app, w, staff, two_faces_photo):
    resp = enrol(as_(client, staff, "sup1"), fresh_caregiver(app, w), [*photos(1, 2), f.b64(two_faces_photo)])
    body = assert_shape(resp)
    assert resp.status_code == 422 and body["photos"][2]["problems"] == ["multiple_faces"]


@needs_shared_faces
def test_photos_of_two_people_are_refused(client, app, w, staff):
    resp = enrol(
        as_(client, staff, "sup1"), fresh_caregiver(app, w), [*photos(1, 2), *photos(0, person="biden")]
    )
    assert resp.status_code == 422 and assert_shape(resp)["error"]["code"] == "enrolment_photos_disagree"


@needs_shared_faces
def test_a_supervisor_alone_cannot_put_another_face_on_an_enrolled_caregiver(client, app, w, staff, now):
    """Issue 17 finding 1: the substitute's photos wait for a second person and do not match meanwhile."""
    before = gallery(app, w.caregiver_id)
    resp = enrol(as_(client, staff, "sup1"), w.caregiver_id, photos(0, 1, 2, person="kit_harington"))
    body = assert_shape(resp, EnrolmentOut)
    assert resp.status_code == 202 and body["status"] == "pending" and gallery(app, w.caregiver_id) == before
    f.sign_in(client, w.token)
    substitute = check_in(client, w, "att-sub-0001", f.photo("kit_harington", 1), now)
    assert substitute.get_json()["attempt"]["face"]["matched"] is False
    # the requester cannot approve their own request
    own = as_(client, staff, "sup1").post(
        f"/api/v1/enrolment-changes/{body['change_id']}/decision", json={"approve": True, "reason": "mine"}
    )
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "second_person_required"
    assert gallery(app, w.caregiver_id) == before


def test_a_second_supervisor_approves_a_re_enrolment_and_both_are_audited(client, app, w, staff):
    resp = enrol(as_(client, staff, "sup1"), w.caregiver_id, photos(*OBAMA))
    change_id = resp.get_json()["change_id"]
    assert resp.status_code == 202
    decided = as_(client, staff, "sup2").post(
        f"/api/v1/enrolment-changes/{change_id}/decision", json={"approve": True, "reason": "seen in person"}
    )
    body = assert_shape(decided, EnrolmentOut)
    assert decided.status_code == 200 and body["status"] == "applied" and body["total"] == 3
    assert body["decided_by"] == staff["sup2"][0] and body["requested_by"] == staff["sup1"][0]
    again = client.post(
        f"/api/v1/enrolment-changes/{change_id}/decision", json={"approve": False, "reason": "x"}
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "enrolment_change_decided"
    with app.app_context():
        actors = db.session.execute(
            select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.subject_type == "caregiver")
        ).all()
    assert (f"user:{staff['sup1'][0]}", "caregiver.enrolment_requested") in actors
    assert (f"user:{staff['sup2'][0]}", "caregiver.enrol_face") in actors
    assert all(actor != "api" for actor, _ in actors)


def test_a_rejected_re_enrolment_changes_nothing(client, app, w, staff):
    before = gallery(app, w.caregiver_id)
    change_id = enrol(as_(client, staff, "sup1"), w.caregiver_id, photos(*OBAMA)).get_json()["change_id"]
    resp = as_(client, staff, "admin").post(
        f"/api/v1/enrolment-changes/{change_id}/decision", json={"approve": False, "reason": "not her"}
    )
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    assert gallery(app, w.caregiver_id) == before


def test_the_bureau_re_enrols_at_once(client, app, w, staff):
    resp = enrol(as_(client, staff, "admin"), w.caregiver_id, photos(*OBAMA))
    assert resp.status_code == 201 and resp.get_json()["status"] == "applied"
    assert len(gallery(app, w.caregiver_id)) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FaceEnrolment)) == 3
        assert db.session.scalar(select(func.count()).select_from(EnrolmentChange)) == 1


def test_another_agency_s_change_is_not_found(client, app, w, staff):
    change_id = enrol(as_(client, staff, "sup1"), w.caregiver_id, photos(*OBAMA)).get_json()["change_id"]
    with app.app_context():
        other = f.add_user("supervisor", agencies=[f.add_agency("B9")])
        token = f.token_for(other)
        db.session.commit()
    f.sign_in(client, token)
    assert client.get(f"/api/v1/enrolment-changes/{change_id}").status_code == 404
    resp = client.post(
        f"/api/v1/enrolment-changes/{change_id}/decision", json={"approve": True, "reason": "x"}
    )
    assert resp.status_code == 404


@needs_shared_faces
def test_an_approved_swap_to_another_face_raises_the_enrolment_swap_alert(client, app, w, staff, now):
    """Three verified visits as obama, then kit's face approved onto her: F04 names the change and
    the substitute's visit since (X05 cannot: kit is enrolled nowhere else)."""
    from datetime import timedelta

    from field_app.models import Alert
    from field_app.scanning import jobs

    for n in (1, 2, 3):
        at = now - timedelta(hours=8 - n)
        resp = check_in(client, w, f"att-own-000{n}", f.photo("obama", n), at, visit=f"visit-own-{n}")
        assert resp.get_json()["attempt"]["face"]["matched"] is True
    change_id = enrol(
        as_(client, staff, "sup1"), w.caregiver_id, photos(0, 1, 2, person="kit_harington")
    ).get_json()["change_id"]
    body = (
        as_(client, staff, "sup2")
        .post(f"/api/v1/enrolment-changes/{change_id}/decision", json={"approve": True, "reason": "ok"})
        .get_json()
    )
    assert body["past_selfies"] == 3 and body["past_distance"] > 0.56
    f.sign_in(client, w.token)
    swapped = check_in(client, w, "att-sub-0001", f.photo("kit_harington", 1), now, visit="visit-sub-1")
    assert swapped.get_json()["attempt"]["face"]["matched"] is True  # what the swap buys
    with app.app_context():
        jobs.scan("incremental")
        alert = db.session.scalar(select(Alert).where(Alert.rule_code == "F04"))
        assert alert is not None and alert.subject_key == f"enrolment_change:{change_id}"
        assert alert.evidence["visits_since"] == ["visit-sub-1"]
