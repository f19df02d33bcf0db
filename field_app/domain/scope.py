"""The scope policy: who may see what. Staff see their agencies (or all), caregivers their own visits,
family their client's; what is out of scope is not found, exactly as what does not exist."""

from __future__ import annotations

from field_app.models import User
from field_app.models.user import ADMIN, AUDITOR, CAREGIVER, FAMILY, SUPERVISOR

STAFF = (SUPERVISOR, AUDITOR)


def agency_ids(user: User) -> set[int] | None:
    """The agencies a supervisor or auditor sees; None means all of them."""
    if user.role == ADMIN or (user.role in STAFF and user.all_agencies):
        return None
    return {a.id for a in user.agencies}


def sees_agency(user: User, agency_id: int) -> bool:
    scope = agency_ids(user)
    return user.role in (ADMIN, *STAFF) and (scope is None or agency_id in scope)


def sees_visit(user: User, visit) -> bool:
    """Caregivers their own visits, family their client's, staff their agencies', admins all."""
    if user.role == CAREGIVER:
        return visit.caregiver_id == user.caregiver_id
    if user.role == FAMILY:
        return visit.client_id == user.client_id
    return sees_agency(user, visit.agency_id)
