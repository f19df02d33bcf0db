"""The insured person's module (参保人): the client's visits as the family sees them.

Times, the caregiver's name, the items done and the verification outcome; never fixes, faces, devices
or the trail (other people's data and evidence). The star ratings are at ``/ratings/...``.
"""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import Field
from sqlalchemy import select

from field_app.api.openapi import documented
from field_app.api.parsing import QueryModel, parse_query
from field_app.api.responses import Out
from field_app.extensions import db
from field_app.masterdata.records import paginate
from field_app.models import Caregiver, ServiceItem, Visit
from field_app.models.user import FAMILY
from field_app.security import current_user, require
from field_app.timeutil import isoformat

bp = Blueprint("family", __name__)


class FamilyItemOut(Out):
    code: str
    name_zh: str | None
    name_en: str | None


class FamilyVisitRowOut(Out):
    visit_id: str
    check_in_at: str
    check_out_at: str | None
    caregiver_name: str
    state: str
    verification_status: str = Field(description="pending | verified | needs_review | unverified")
    items: list[FamilyItemOut]


class FamilyVisitsOut(Out):
    items: list[FamilyVisitRowOut]
    total: int
    page: int
    per_page: int


class PageQuery(QueryModel):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


@bp.get("/family/visits")
@require(FAMILY)
@documented(
    "The client's visits, newest first (参保人)",
    query=PageQuery,
    responses={200: FamilyVisitsOut},
    tag="family",
)
def family_visits():
    q = parse_query(PageQuery)
    stmt = select(Visit).where(Visit.client_id == current_user().client_id).order_by(Visit.check_in_at.desc())
    page = paginate(stmt, q.page, q.per_page)
    names = dict(
        db.session.execute(
            select(Caregiver.id, Caregiver.name).where(Caregiver.id.in_({v.caregiver_id for v in page.items}))
        )
        .tuples()
        .all()
    )
    catalogue = {s.code: s for s in db.session.scalars(select(ServiceItem))}
    rows = [
        {
            "visit_id": v.uuid,
            "check_in_at": isoformat(v.check_in_at),
            "check_out_at": isoformat(v.check_out_at),
            "caregiver_name": names.get(v.caregiver_id, ""),
            "state": v.state,
            "verification_status": v.verification_status,
            "items": [
                {
                    "code": i.service_code,
                    "name_zh": getattr(catalogue.get(i.service_code), "name_zh", None),
                    "name_en": getattr(catalogue.get(i.service_code), "name_en", None),
                }
                for i in v.items
            ],
        }
        for v in page.items
    ]
    return jsonify({"items": rows, "total": page.total, "page": page.page, "per_page": page.per_page})
