"""Load objects by id or raise NotFound with a stable code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from field_app.errors import NotFound
from field_app.extensions import db
from field_app.models import Caregiver, Client, Visit


def caregiver_or_404(caregiver_id: int) -> Caregiver:
    caregiver = db.session.get(Caregiver, caregiver_id)
    if caregiver is None or not caregiver.active:
        raise NotFound("caregiver_not_found", f"No active caregiver {caregiver_id}.", "caregiver_id")
    return caregiver


def client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound("client_not_found", f"No client {client_id}.", "client_id")
    return client


def visit_or_none(visit_uuid: str) -> Visit | None:
    # With its client: every caller checks a fix against the home or the client's consent.
    return db.session.scalar(select(Visit).options(joinedload(Visit.client)).where(Visit.uuid == visit_uuid))


def visit_or_404(visit_uuid: str) -> Visit:
    visit = visit_or_none(visit_uuid)
    if visit is None:
        raise NotFound("visit_not_found", f"No visit {visit_uuid}: it was never checked in.")
    return visit
