"""Who is calling and what they may see: bearer-token authentication and object scope.

Handlers declare the roles an endpoint admits (``@require(...)``); object checks answer 404 for
objects outside the caller's scope, exactly as for objects that do not exist, so a refusal leaks
nothing about other agencies' caregivers, clients or visits.
"""

from __future__ import annotations

from functools import wraps

from flask import g, request

from field_app.errors import DomainError, Forbidden, Unauthenticated
from field_app.models import ApiToken, User
from field_app.models.user import ADMIN, AUDITOR, CAREGIVER, FAMILY, SUPERVISOR
from field_app.services.accounts import ACCESS, resolve
from field_app.timeutil import now_utc

STAFF = (SUPERVISOR, AUDITOR)


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authentication_required", "Send 'Authorization: Bearer <access token>'.")
    return token.strip()


def require(*roles: str):
    """Authenticate the request and admit only these roles (none given: any signed-in user)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.token = resolve(_bearer(), ACCESS, now_utc())
            g.user = g.token.user
            if roles and g.user.role not in roles:
                raise Forbidden("forbidden", "Your role may not do this.")
            return view(*args, **kwargs)

        wrapper.roles = roles or ("any",)
        return wrapper

    return decorate


def current_user() -> User:
    return g.user


def current_token() -> ApiToken:
    return g.token


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


def ensure_visible(user: User, visit, not_found: DomainError) -> None:
    if visit is None or not sees_visit(user, visit):
        raise not_found


def ensure_self(user: User, caregiver_id: int) -> None:
    """A caregiver acts only as themself."""
    if user.caregiver_id != caregiver_id:
        raise Forbidden("not_yourself", "Caregivers can only check in and out as themselves.", "caregiver_id")
