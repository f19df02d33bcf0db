"""What every master-data service shares: who acts, the audit of a change, natural-key look-ups, pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from field_app import identity
from field_app.errors import DomainError, Invalid, NotFound
from field_app.extensions import db
from field_app.models import Agency, Caregiver, Client
from field_app.services import audit

INSERTED, UPDATED, UNCHANGED = "inserted", "updated", "unchanged"
AGENCY_CACHE = "field_app.agency_by_code"


def quiet(err: DomainError) -> DomainError:
    """The error with its message already filled in and no extra fields in the answer's body (the error
    shape documents only ``code``, ``message`` and ``field``)."""
    err.params = {}
    return err


@dataclass(frozen=True)
class Actor:
    """Who makes a change (as the audit log names them), the key of ID-number hashes, the local day."""

    name: str  #: "user:12", "cli", "import:api", "seed"
    id_key: bytes
    today: date
    now: datetime


def id_key_from_secret(secret: str) -> bytes:
    """The HMAC key for ID numbers, derived from the installation's secret (never the secret itself)."""
    return hashlib.sha256(b"field_app:id-number:" + secret.encode()).digest()


def plain(value: Any) -> Any:
    """A column value as JSON (dates as ISO text, decimals as numbers)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in fields}


def assign(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the values that differ; returns {field: (before, after)} of what changed."""
    changed = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value and not (_num(before) and _num(value) and float(before) == float(value)):
            changed[name] = (plain(before), plain(value))
            setattr(obj, name, value)
    return changed


def _num(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def record_change(actor: Actor, action: str, kind: str, key: str, changed: dict[str, tuple]) -> None:
    """One audit entry with the before and after of each changed field (never ID numbers in clear)."""
    audit.record(
        actor.name,
        action,
        kind,
        key,
        before={k: b for k, (b, _) in changed.items()},
        after={k: a for k, (_, a) in changed.items()},
    )


def outcome(created: bool, changed: dict) -> str:
    return INSERTED if created else (UPDATED if changed else UNCHANGED)


def id_fields(number: str | None, key: bytes) -> dict[str, Any]:
    """The stored forms of a resident ID: keyed hash and mask (nothing when no number was given)."""
    if not number:
        return {}
    return {"id_hash": identity.id_hash(number, key), "id_masked": identity.mask_id(number)}


def agency_by_code(code: str, field: str = "agency_code") -> Agency:
    """The agency with this code; remembered for the session (a file of 100,000 rows names a few)."""
    cache = db.session.info.setdefault(AGENCY_CACHE, {})
    agency = cache.get(code)
    if agency is None:
        agency = cache[code] = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise quiet(Invalid("unknown_agency", "No agency with code {key}.", field, key=code))
    return agency


def caregiver_by_code(code: str, field: str = "caregiver_code") -> Caregiver:
    caregiver = db.session.scalar(select(Caregiver).where(Caregiver.code == code))
    if caregiver is None:
        raise quiet(Invalid("unknown_caregiver", "No caregiver with staff number {key}.", field, key=code))
    return caregiver


def client_by_insured_id(insured_id: str, field: str = "insured_id") -> Client:
    client = db.session.scalar(select(Client).where(Client.insured_id == insured_id))
    if client is None:
        raise quiet(
            Invalid(
                "unknown_client",
                "No client with insurance number {insured_id}.",
                field,
                insured_id=insured_id,
            )
        )
    return client


def get_or_404(model, obj_id: int, code: str, noun: str):
    obj = db.session.get(model, obj_id)
    if obj is None:
        raise quiet(NotFound(code, "No {noun} {id}.", None, noun=noun, id=obj_id))
    return obj


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int


def paginate(stmt, page: int, per_page: int) -> Page:
    """One page of a select (ordered by the caller) and the total count."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total or 0, page, per_page)
