"""Sign-in, token refresh and sign-out."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, request
from pydantic import Field

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import Out, answer
from field_app.api.schemas import StrictModel
from field_app.errors import DomainError
from field_app.models import User
from field_app.security import agency_ids, current_token, current_user, require
from field_app.services import accounts, audit, ratelimit
from field_app.timeutil import now_utc

bp = Blueprint("auth", __name__)


class SignInIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str | None = Field(None, max_length=128, description="Required for caregivers: their phone")


class RefreshIn(StrictModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class UserOut(Out):
    id: int
    username: str
    role: str
    caregiver_id: int | None
    client_id: int | None
    agency_ids: list[int] | None

    @classmethod
    def of(cls, user) -> UserOut:
        scope = agency_ids(user)
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            caregiver_id=user.caregiver_id,
            client_id=user.client_id,
            agency_ids=None if scope is None else sorted(scope),
        )


class TokensOut(Out):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: UserOut

    @classmethod
    def of(cls, pair: accounts.TokenPair) -> TokensOut:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="Bearer",
            expires_in=pair.expires_in,
            user=UserOut.of(pair.user),
        )


def _lifetimes() -> tuple[timedelta, timedelta]:
    cfg = current_app.config
    return timedelta(minutes=cfg["ACCESS_TOKEN_MINUTES"]), timedelta(days=cfg["REFRESH_TOKEN_DAYS"])


def _authenticate_within_limits(username: str, password: str, limit: int, window: int, now) -> User:
    """The limits count failed passwords only, per username and per client address (FIELD_APP_TRUSTED_
    PROXIES decides which address): colleagues signing in behind one NAT never reach them, a refused
    request counts nothing, and a user is locked only after ``limit`` wrong passwords for that user."""
    keys = (f"sign-in:user:{username}", f"sign-in:ip:{request.remote_addr}")
    for key in keys:
        ratelimit.check(key, limit, window, now)
    try:
        return accounts.authenticate(username, password)
    except DomainError:
        for key in keys:
            ratelimit.count_failure(key, window, now)
        raise


@bp.post("/auth/sign-in")
@documented(
    "Sign in with a password; caregivers from their registered phone",
    body=SignInIn,
    responses={200: TokensOut},
    errors=("invalid_credentials", "device_required", "device_not_registered", "rate_limited"),
    tag="auth",
)
def sign_in():
    """Returns a short-lived access token and a refresh token; both are opaque and stored hashed."""
    body = parse_body(SignInIn)
    cfg, now = current_app.config, now_utc()
    user = _authenticate_within_limits(
        body.username, body.password, cfg["SIGN_IN_LIMIT"], cfg["RATE_WINDOW_SECONDS"], now
    )
    device = accounts.bind_device(user, body.device_id, cfg["UNREGISTERED_DEVICE"])
    pair = accounts.issue_pair(user, device, now, *_lifetimes())
    audit.record(f"user:{user.id}", "auth.sign_in", "user", user.id)
    return answer(TokensOut.of(pair))


@bp.post("/auth/refresh")
@documented(
    "Exchange a refresh token for a new pair (the old one is revoked)",
    body=RefreshIn,
    responses={200: TokensOut},
    errors=("invalid_token", "refresh_token_reused"),
    tag="auth",
)
def refresh():
    body = parse_body(RefreshIn)
    pair = accounts.refresh(body.refresh_token, now_utc(), *_lifetimes())
    return answer(TokensOut.of(pair))


@bp.post("/auth/sign-out")
@require()
@documented("Revoke this sign-in's tokens", responses={204: "Signed out"}, errors=(), tag="auth")
def sign_out():
    accounts.revoke_family(current_token(), now_utc())
    audit.record(f"user:{current_user().id}", "auth.sign_out", "user", current_user().id)
    return "", 204


@bp.get("/auth/me")
@require()
@documented("Who the token belongs to", responses={200: UserOut}, errors=(), tag="auth")
def me():
    return answer(UserOut.of(current_user()))
