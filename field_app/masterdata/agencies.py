"""Agencies (定点护理机构): created and changed by the bureau, upserted by code."""

from __future__ import annotations

from sqlalchemy import select

from field_app.errors import Conflict
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.shapes import AgencyIn
from field_app.models import Agency

FIELDS = (
    "code",
    "name",
    "credit_code",
    "district",
    "contract_status",
    "contract_start",
    "contract_end",
    "phones_per_caregiver",
    "active",
    "demo",
)


def as_json(agency: Agency) -> dict:
    return {"id": agency.id, **r.snapshot(agency, FIELDS)}


def as_input(agency: Agency) -> dict:
    return {k: getattr(agency, k) for k in AgencyIn.model_fields}


def save(data: AgencyIn, actor: r.Actor, demo: bool = False) -> tuple[Agency, str]:
    """Insert or update the agency with this code; the credit code belongs to one agency only."""
    agency = db.session.scalar(select(Agency).where(Agency.code == data.code))
    if data.credit_code:
        other = db.session.scalar(select(Agency).where(Agency.credit_code == data.credit_code))
        if other is not None and other is not agency:
            raise r.quiet(
                Conflict(
                    "credit_code_taken",
                    "Agency {key} already has this credit code.",
                    "credit_code",
                    key=other.code,
                )
            )
    created = agency is None
    if created:
        agency = Agency(code=data.code, demo=demo)
        db.session.add(agency)
    changed = r.assign(agency, data.model_dump())
    if changed and not created and data.contract_status == "active":
        changed |= r.assign(agency, {"active": True})
    db.session.flush()
    if changed:
        r.record_change(
            actor, "agency.create" if created else "agency.update", "agency", agency.code, changed
        )
    return agency, r.outcome(created, changed)


def deactivate(agency: Agency, actor: r.Actor, reason: str) -> Agency:
    """End the agreement: the agency stays (its visits reference it) but is inactive and terminated."""
    changed = r.assign(
        agency, {"active": False, "contract_status": "terminated", "contract_end": actor.today}
    )
    if changed:
        r.record_change(
            actor, "agency.deactivate", "agency", agency.code, changed | {"reason": (None, reason)}
        )
    db.session.flush()
    return agency
