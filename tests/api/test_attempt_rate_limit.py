"""The attempt rate limit counts new check-in/out attempts; a re-sent attempt is answered from storage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import RateCounter
from tests import factories as f
from tests.api.conftest import check_in, check_out

#: one window for the whole test: a fixed 5-minute window could roll over half-way and reset the count
WHOLE_TEST = 10**9


def counted(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(RateCounter.key, RateCounter.count)).tuples().all())


def test_a_resent_attempt_gets_its_stored_answer_after_the_limit_is_used_up(app, client, w, now, same_person):
    app.config.update(ATTEMPT_LIMIT=3, RATE_WINDOW_SECONDS=WHOLE_TEST)
    first_in = check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=50))
    resent = [check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=50)) for _ in range(4)]
    assert counted(app) == {f"attempt:user:{w.user_id}": 1, "attempt:device:phone-1": 1}  # re-sends are free
    first_out = check_out(client, w, "att-00000002", same_person, now - timedelta(minutes=5))
    other = check_in(client, w, "att-00000003", same_person, now, visit="visit-0002")
    assert [r.status_code for r in (first_in, first_out, other)] == [200, 200, 200]  # the 3 allowed

    refused = check_in(client, w, "att-00000004", same_person, now, visit="visit-0003")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert refused.get_json()["retry_after_seconds"] > 0

    again_in = check_in(client, w, "att-00000001", same_person, now - timedelta(minutes=50))
    again_out = check_out(client, w, "att-00000002", same_person, now - timedelta(minutes=5))
    assert (again_in.status_code, again_out.status_code) == (200, 200)
    assert again_in.data == resent[0].data  # the stored answer, byte for byte
    assert again_in.get_json() == first_in.get_json() and again_out.get_json() == first_out.get_json()
    assert check_in(client, w, "att-00000005", same_person, now, visit="visit-0004").status_code == 429


def test_another_caregivers_attempt_id_is_not_answered_from_storage(app, client, w, now, same_person):
    check_in(client, w, "att-00000001", same_person, now)
    f.switch_caregiver(app, client, w)
    resp = check_in(client, w, "att-00000001", same_person, now)
    # attempt ids are per caregiver (issue 17): this is a new attempt of theirs, on a visit not theirs
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "visit_not_found"
    assert "attempt" not in resp.get_json()
