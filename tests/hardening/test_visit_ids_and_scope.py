"""Visit ids in URLs and out-of-scope answers (issue 17, findings 8, 11 and 15's byte-identical re-sends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import Visit
from tests import factories as f
from tests.api.conftest import check_in, check_out

BAD_VISIT_IDS = ["x" * 3000, "x" * 65, "a%00b", "%27%20OR%201%3D1--", "short", "visit%20one"]


@pytest.mark.parametrize("visit_id", BAD_VISIT_IDS)
def test_a_malformed_visit_id_in_the_url_is_422_and_stores_nothing(
    app, client, w, now, same_person, visit_id
):
    for resp in (
        check_in(client, w, "att-00000001", same_person, now, visit=visit_id),
        client.post(f"/api/v1/visits/{visit_id}/trail", json={"points": [f.fix(now)]}),
        client.get(f"/api/v1/visits/{visit_id}"),
    ):
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"]["code"] == "invalid_visit_id"
        assert resp.get_json()["error"]["field"] == "visit_id"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def _error(resp):
    return resp.status_code, resp.get_json()["error"]["code"]


def test_out_of_scope_answers_exactly_like_missing(app, client, w, now, same_person):
    """Another caregiver's visit, a visit that does not exist, another caregiver's attempt_id: the
    same status and code, so nothing can be learnt about other people's visits."""
    assert check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=50)).status_code == 200
    f.switch_caregiver(app, client, w, enrol_photo=f.photo("obama", 0))

    other_visit = check_out(client, w, "att-00000002", same_person, now)
    missing_visit = check_out(client, w, "att-00000003", same_person, now, visit="visit-9999")
    assert _error(other_visit) == _error(missing_visit) == (404, "visit_not_found")

    other_attempt = check_in(client, w, "att-00000001", same_person, now, visit="visit-0002")
    unused_attempt = check_in(client, w, "att-00000004", same_person, now, visit="visit-0003")
    # attempt ids are the caregiver's own: another caregiver's id is simply a new attempt, as a fresh one is
    assert other_attempt.status_code == unused_attempt.status_code == 200
    assert other_attempt.get_json()["attempt"]["attempt_id"] == "att-00000001"


def test_a_resent_attempt_is_answered_byte_for_byte(client, w, now, same_person):
    first = check_in(client, w, "att-00000001", same_person, now)
    again = check_in(client, w, "att-00000001", same_person, now)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data
