"""``flask seed-demo`` builds the demo world through the real services, once."""

from __future__ import annotations

from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import Caregiver, Client, FaceEnrolment, ServiceItem, Visit, VisitAttempt


def test_seed_demo_creates_a_verified_day_and_is_idempotent(app, runner):
    result = runner.invoke(args=["seed-demo", "--day", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "Seeded 2 agencies" in result.output
    with app.app_context():
        n = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
        assert n(ServiceItem) == 28 and n(Client) == 12
        assert n(FaceEnrolment) == n(Caregiver) >= 1
        visits = db.session.scalars(select(Visit)).all()
        assert visits and all(v.state == "closed" for v in visits)
        assert n(VisitAttempt) == 2 * len(visits)
        statuses = {v.verification_status for v in visits}
        assert "verified" in statuses  # honest visits pass the real face + geofence + duration checks
        homes = db.session.scalars(select(Client)).all()
        assert all(c.home_datum == "GCJ02" and abs(c.home_lat - c.home_lat_wgs84) > 1e-4 for c in homes)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == len(visits)
