"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike: re-sent rows are skipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from field_app.extensions import db


def insert_ignoring_duplicates(model, rows: list[dict[str, Any]], unique_cols: list[str]) -> int:
    """Insert rows, skipping those whose unique key is already stored; returns how many were new."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    key = next(iter(model.__table__.primary_key.columns))
    # One statement, the rows as parameters (SQLAlchemy's insertmanyvalues batches them): compiling a
    # fresh 60-row VALUES statement per trail batch cost ~4x more. RETURNING counts what was inserted
    # on both databases (psycopg's rowcount is -1 here).
    stmt = module.insert(model).on_conflict_do_nothing(index_elements=unique_cols).returning(key)
    return len(db.session.execute(stmt, rows).all())
