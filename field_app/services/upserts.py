"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike: re-sent rows are skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite

from field_app.extensions import db

#: session.info key: [(model, [the inserted rows as dicts, primary key included])], read by the evidence
#: log at commit (it hashes what was stored without reading it back)
BULK_INSERTED = "bulk_inserted"


def insert_ignoring_duplicates(model, rows: list[dict[str, Any]], unique_cols: list[str]) -> int:
    """Insert rows, skipping those whose unique key is already stored; returns how many were new."""
    if not rows:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        stored = _insert_json_rows(model.__table__, rows, unique_cols)
    else:
        stored = _insert_sqlite(model, rows, unique_cols)
    key = next(iter(model.__table__.primary_key.columns)).name
    by_unique = {tuple(row[c] for c in unique_cols): row for row in rows}
    inserted = [{**by_unique[tuple(r[1:])], key: r[0]} for r in stored]
    db.session.info.setdefault(BULK_INSERTED, []).append((model, inserted))
    return len(inserted)


def _insert_sqlite(model, rows: list[dict[str, Any]], unique_cols: list[str]) -> list:
    """(key, *unique columns) of the rows inserted."""
    key = next(iter(model.__table__.primary_key.columns))
    returning = [key, *(model.__table__.c[c] for c in unique_cols)]
    # One statement, the rows as parameters (SQLAlchemy's insertmanyvalues batches them): compiling a
    # fresh 60-row VALUES statement per trail batch cost ~4x more. RETURNING counts what was inserted
    # (a driver's rowcount is not reliable here).
    stmt = sqlite.insert(model).on_conflict_do_nothing(index_elements=unique_cols).returning(*returning)
    return db.session.execute(stmt, rows).all()


def _insert_json_rows(table: Table, rows: list[dict[str, Any]], unique_cols: list[str]) -> list:
    """PostgreSQL: the rows travel as one JSON document that the server turns back into records.

    A 60-point trail batch as bind parameters is 900 values that SQLAlchemy and psycopg handle one
    by one in Python (~13 ms of CPU); ``json.dumps`` is C code, and the statement, one parameter
    long, is prepared once per connection (~3 ms in all). See bench/README.md, ingest.py.
    """
    cols = tuple(rows[0])
    sql = _json_insert_sql(table, cols, tuple(unique_cols))
    payload = json.dumps([[row[c] for c in cols] for row in rows], default=_utc_iso, allow_nan=False)
    return db.session.execute(sql, {"rows": payload}).all()


@lru_cache(maxsize=64)
def _json_insert_sql(table: Table, cols: tuple[str, ...], unique_cols: tuple[str, ...]):
    dialect = postgresql.dialect()
    # Each row is a JSON array (not an object): half the bytes, and no key look-ups on the server.
    values = ", ".join(
        f"CAST(r->>{n} AS {table.c[c].type.compile(dialect=dialect)})" for n, c in enumerate(cols)
    )
    key = next(iter(table.primary_key.columns)).name
    return text(
        f"INSERT INTO {table.name} ({', '.join(cols)}) "
        f"SELECT {values} FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r "
        f"ON CONFLICT ({', '.join(unique_cols)}) DO NOTHING RETURNING {key}, {', '.join(unique_cols)}"
    )


def _utc_iso(value: Any) -> str:
    """Datetimes as UTC ISO 8601, refusing naive ones as the UTCDateTime column type does."""
    if not isinstance(value, datetime):
        raise TypeError(f"cannot send {type(value).__name__} as JSON")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).isoformat()
