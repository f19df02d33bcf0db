"""``flask seed-demo`` builds a living city through the real services and the sample files, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from field_app.demo import faces
from field_app.extensions import db
from field_app.models import (
    Agency,
    Alert,
    Caregiver,
    Client,
    FaceEnrolment,
    PlannedVisit,
    ServiceItem,
    Visit,
    VisitAttempt,
)
from field_app.services.settlement import agency_statement

DAY = "2026-11-20"


def _n(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def no_shared_faces(monkeypatch, tmp_path):
    """A fresh machine without ../shared: the face source points at an empty folder."""
    monkeypatch.setattr(faces, "SHARED_FACES", tmp_path / "absent")


def test_seed_demo_without_shared_faces_opens_on_a_living_city(app, runner, no_shared_faces):
    result = runner.invoke(args=["seed-demo", "--day", DAY])
    assert result.exit_code == 0, result.output
    assert "Seeded 2 agencies (DEMO data)" in result.output and "scikit-image astronaut" in result.output
    with app.app_context():
        assert _n(ServiceItem) == 28 and _n(Client) == 48
        assert (
            _n(Caregiver) >= 20
            and db.session.scalar(select(func.count(func.distinct(Caregiver.agency_id)))) >= 2
        )
        assert _n(FaceEnrolment) == _n(Caregiver)
        assert all(a.demo and "演示" in a.name for a in db.session.scalars(select(Agency)))
        assert _n(PlannedVisit) >= 100
        week = db.session.scalar(
            select(func.count()).select_from(Visit).where(Visit.planned_visit_id.is_not(None))
        )
        assert week >= 100
        families = {code[0] for code in db.session.scalars(select(Alert.rule_code))}
        assert set("FGTIXRCS") <= families, families  # every rule family has work in the queue
        homes = db.session.scalars(select(Client)).all()
        assert all(c.home_datum == "GCJ02" and abs(c.home_lat - c.home_lat_wgs84) > 1e-4 for c in homes)
        agency = db.session.scalars(select(Agency).order_by(Agency.code)).first()
        statement = agency_statement(agency.id, date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai")
        totals = statement["totals"]  # statements with numbers (amounts as decimal strings)
        assert float(totals["fund"]) > 0 and int(totals["visits"]) >= 20
        visits = _n(Visit)
        # the caregivers enrolled from a photo were checked by dlib, not the demo's synthetic engine
        real = [c.id for c in db.session.scalars(select(Caregiver).where(Caregiver.code.like("CG%")))]
        attempts = db.session.scalars(select(VisitAttempt).where(VisitAttempt.caregiver_id.in_(real))).all()
        assert any(a.face_status == "matched" and 0 < a.face_distance < 0.5 for a in attempts)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    with app.app_context():
        assert _n(Visit) == visits
