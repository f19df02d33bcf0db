"""Who is calling: bearer-token authentication and the roles an endpoint admits.

Handlers declare the roles an endpoint admits (``@require(...)``). What each caller may see is the scope
policy of ``field_app.domain.scope`` (re-exported here for the handlers); object checks answer 404 for
objects outside the caller's scope, exactly as for objects that do not exist.
"""

from __future__ import annotations

from functools import wraps

from flask import g, request

from field_app.domain.scope import STAFF, agency_ids, sees_agency, sees_visit
from field_app.errors import DomainError, Forbidden, Unauthenticated
from field_app.models import ApiToken, User
from field_app.services.accounts import ACCESS, resolve
from field_app.timeutil import now_utc

__all__ = [
    "STAFF",
    "agency_ids",
    "current_token",
    "current_user",
    "ensure_self",
    "ensure_visible",
    "require",
    "sees_agency",
    "sees_visit",
]


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


def ensure_visible(user: User, visit, not_found: DomainError) -> None:
    if visit is None or not sees_visit(user, visit):
        raise not_found


def ensure_self(user: User, caregiver_id: int) -> None:
    """A caregiver acts only as themself."""
    if user.caregiver_id != caregiver_id:
        raise Forbidden("not_yourself", "Caregivers can only check in and out as themselves.", "caregiver_id")
