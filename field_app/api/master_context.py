"""Per-request pieces the master-data endpoints share: the acting user as an ``Actor``, scope checks."""

from __future__ import annotations

from flask import current_app

from field_app.errors import NotFound
from field_app.masterdata.records import Actor, id_key_from_secret, quiet
from field_app.security import agency_ids, current_user
from field_app.timeutil import local_date, now_utc


def actor(name: str | None = None) -> Actor:
    now = now_utc()
    cfg = current_app.config
    return Actor(
        name=name or f"user:{current_user().id}",
        id_key=id_key_from_secret(cfg["SECRET_KEY"]),
        today=local_date(now, cfg["TIMEZONE"]),
        now=now,
    )


def scope() -> set[int] | None:
    """The agencies the caller sees (None: all)."""
    return agency_ids(current_user())


def ensure_in_scope(agency_id: int | None, code: str, noun: str, obj_id) -> None:
    """Objects of other agencies answer exactly like absent ones."""
    allowed = scope()
    if agency_id is not None and allowed is not None and agency_id not in allowed:
        raise quiet(NotFound(code, "No {noun} {id}.", None, noun=noun, id=obj_id))
