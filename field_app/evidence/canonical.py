"""What the evidence log covers, and each row's canonical form (the same bytes on SQLite and PostgreSQL).

Adding a table to the log is one ``register(Model, ...)`` call (see ``tables.py``). A row's canonical
form is a dict of its columns (minus bookkeeping columns that change without meaning, such as the
scanner's watermark): times as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, binary columns as their SHA-256,
JSON columns as they come back from either database (integral floats as integers: JSONB drops ``.0``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import JSON, inspect
from sqlalchemy.orm import ColumnProperty

from field_app.evidence.verifier import row_hash


@dataclass(frozen=True)
class Logged:
    model: type
    columns: tuple[str, ...]  #: attribute keys hashed
    json_columns: frozenset[str]
    visit_of: Callable[[Mapping[str, Any]], int | str | None]  #: the visit's id, or its uuid
    bulk: bool  #: rows come by bulk INSERT (trail points, items): one leaf per statement
    pk: tuple[str, ...]  #: primary key attributes: the row's key in leaves

    @property
    def table(self) -> str:
        return self.model.__tablename__


REGISTRY: dict[str, Logged] = {}


def register(model, *, exclude=(), visit_of=lambda row: None, bulk: bool = False) -> None:
    """Log every insert, update and delete of ``model``'s rows from now on."""
    props = [p for p in inspect(model).attrs if isinstance(p, ColumnProperty) and p.key not in exclude]
    json_cols = frozenset(p.key for p in props if isinstance(p.columns[0].type, JSON))
    pk = tuple(c.key for c in inspect(model).primary_key)
    logged = Logged(model, tuple(p.key for p in props), json_cols, visit_of, bulk, pk)
    REGISTRY[logged.table] = logged


def logged_for(obj) -> Logged | None:
    return REGISTRY.get(getattr(obj, "__tablename__", ""))


def _normal_json(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normal_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal_json(v) for v in value]
    return value


PLAIN = frozenset((str, int, float, bool))


@lru_cache(maxsize=4096)  # a batch's rows share their received_at
def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in a logged row")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_value(value: Any, is_json: bool = False) -> Any:
    if value is None or (type(value) in PLAIN and not is_json):  # most values: the ingest's hot path
        return value
    if is_json:  # as the database gives it back: through JSON text
        return _normal_json(json.loads(json.dumps(value, default=str)))
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, np.ndarray):
        return {"sha256": hashlib.sha256(np.asarray(value, dtype="<f8").tobytes()).hexdigest()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, np.floating | np.integer):
        return value.item()
    return value


def canonical_row(logged: Logged, values: Mapping[str, Any]) -> dict[str, Any]:
    out, plain, json_cols = {}, PLAIN, logged.json_columns
    for c in logged.columns:  # a plain loop: this runs for every trail point (the ingest's hot path)
        v = values[c]
        if v is None or (type(v) in plain and c not in json_cols):
            out[c] = v
        elif type(v) is datetime:
            out[c] = _utc_text(v)
        else:
            out[c] = canonical_value(v, c in json_cols)
    return out


def values_of(logged: Logged, obj) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in logged.columns}


def key_of(logged: Logged, values: Mapping[str, Any]) -> str:
    if len(logged.pk) == 1:
        return str(values[logged.pk[0]])
    return ":".join(str(values[k]) for k in logged.pk)


def hashed_row(logged: Logged, values: Mapping[str, Any]) -> tuple[str, str]:
    """(key, SHA-256 of the canonical row)."""
    return key_of(logged, values), row_hash(canonical_row(logged, values))
