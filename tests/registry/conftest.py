"""Fixtures for registry imports: the demo's insured ids and staff numbers, without faces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from field_app.extensions import db
from field_app.models import CertificateRecord, DeathRecord, GradeChange, HospitalStay
from tests import factories as f

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
MODELS = {
    "hospital_stays": HospitalStay,
    "deaths": DeathRecord,
    "certificates": CertificateRecord,
    "grades": GradeChange,
}
KEYS = {
    "hospital_stays": ("client_id", "admitted_on"),
    "deaths": ("client_id",),
    "certificates": ("caregiver_id", "certificate_no"),
    "grades": ("client_id", "effective_on"),
}
#: the sample files name these (the demo seed creates the same ones)
INSURED_IDS = [f"3304{agency:02d}{k:06d}" for agency in (1, 2) for k in range(6)]
CAREGIVER_CODES = ["CG001", "CG002"]


@pytest.fixture
def people(app):
    """Twelve clients and two caregivers with the sample files' ids: {insured_id or code: row id}."""
    with app.app_context():
        agency = f.add_agency()
        ids = {i: f.add_client(agency, insured_id=i, plan_codes=[]).id for i in INSURED_IDS}
        ids |= {c: f.add_caregiver(agency, code=c).id for c in CAREGIVER_CODES}
        db.session.commit()
        return ids


def sample_rows(name: str) -> list[dict]:
    """The rows of a JSON sample file."""
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def stored(app, kind: str) -> dict[tuple, dict]:
    """Every stored record of a kind, by key: its columns (imported_at included)."""
    model = MODELS[kind]
    with app.app_context():
        records = db.session.scalars(select(model)).all()
        columns = [c.name for c in model.__table__.columns if c.name != "id"]
        return {
            tuple(getattr(r, k) for k in KEYS[kind]): {c: getattr(r, c) for c in columns} for r in records
        }
