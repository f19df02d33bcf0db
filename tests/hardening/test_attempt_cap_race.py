"""The attempt cap holds under parallel check-ins (issue 17, finding 4): at most FACE_MAX_ATTEMPTS
attempts are stored per visit end, enforced by the database (a unique attempt number per visit end),
not by a read-then-write. Real threads against the app on the real database, the real face engine."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import VisitAttempt
from tests.api.conftest import check_in, check_out


def _in_parallel(app, token: str, send, n: int) -> list[int]:
    """``n`` requests at once, each from its own thread and test client (its own session and connection)."""
    barrier, statuses = threading.Barrier(n), [None] * n

    def run(k: int) -> None:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        barrier.wait()
        statuses[k] = send(client, k).status_code

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def _stored(app, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(VisitAttempt).where(VisitAttempt.kind == kind)
        )


def test_parallel_matching_check_ins_never_store_more_than_the_cap(
    app, client, w, now, same_person, blank_photo
):
    assert app.config["FACE_MAX_ATTEMPTS"] == 3
    for n in (1, 2):  # stored as failed attempts (no face), answered 200 with the attempt
        failed = check_in(client, w, f"att-fail-000{n}", blank_photo, now)
        assert failed.status_code == 200 and failed.get_json()["attempt"]["face"]["status"] == "no_face"
    statuses = _in_parallel(
        app, w.token, lambda c, k: check_in(c, w, f"att-race-000{k}", same_person, now), 4
    )
    assert _stored(app, "check_in") == 3
    assert statuses == [200, 409, 409, 409]
    with app.app_context():
        faces = db.session.scalars(select(VisitAttempt.face_status).order_by(VisitAttempt.id)).all()
    assert faces == ["no_face", "no_face", "matched"]


def test_parallel_check_outs_never_store_more_than_the_cap(app, client, w, now, same_person, blank_photo):
    assert check_in(client, w, "att-in-00001", same_person, now - timedelta(minutes=50)).status_code == 200
    statuses = _in_parallel(
        app, w.token, lambda c, k: check_out(c, w, f"att-out-000{k}", blank_photo, now), 5
    )
    assert _stored(app, "check_out") == 3
    assert statuses.count(200) == 3 and set(statuses) <= {200, 404, 409, 429}


def test_attempts_are_numbered_per_visit_end_and_the_number_is_unique(app, client, w, now, blank_photo):
    """The database itself refuses a second attempt with the same number for one visit end."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    check_in(client, w, "att-fail-0001", blank_photo, now)
    check_in(client, w, "att-fail-0002", blank_photo, now)
    with app.app_context():
        numbers = db.session.scalars(select(VisitAttempt.attempt_no).order_by(VisitAttempt.id)).all()
        assert numbers == [1, 2]
        first = db.session.scalars(select(VisitAttempt)).first()
        db.session.expunge(first)
        from sqlalchemy.orm import make_transient

        make_transient(first)
        first.id, first.uuid = None, "att-copy-0001"
        db.session.add(first)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
