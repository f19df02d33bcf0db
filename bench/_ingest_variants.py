"""ingest.py's diagnostics, loaded by gunicorn as ``bench._ingest_variants:bench_app()``: a profiled app,
and other versions of the trail upsert to measure a change end to end without editing field_app.

Imports nothing from the other bench modules: gunicorn imports it as part of the ``bench`` folder.
"""

from __future__ import annotations

import atexit
import json
import os
import time


def bench_app():
    """``field_app:create_app()`` for ingest's diagnostics, driven by environment variables:

    - ``BENCH_PROFILE=<file>``: every request runs under cProfile (CPU time); stats are dumped to the
      file every 50 requests and at exit. Run it in a single gunicorn worker.
    - ``BENCH_UPSERT=values|unnest|jsonb``: the trail service stores points with another version of
      ``insert_ignoring_duplicates`` (the functions below: the previous one, or a proposed one), to
      measure a change end to end without editing field_app.
    """
    import cProfile

    from field_app import create_app
    from field_app.services import trail

    variant = os.environ.get("BENCH_UPSERT")
    if variant:
        trail.insert_ignoring_duplicates = {
            "values": values_upsert,
            "unnest": unnest_upsert,
            "jsonb": jsonb_upsert,
        }[variant]
    app = create_app()
    target = os.environ.get("BENCH_PROFILE")
    if not target:
        return app
    profiler = cProfile.Profile(time.process_time)
    inner = app.wsgi_app
    served = [0]

    def wsgi(environ, start_response):
        profiler.enable()
        try:
            return list(inner(environ, start_response))
        finally:
            profiler.disable()
            served[0] += 1
            if served[0] % 50 == 0:
                profiler.dump_stats(target)

    app.wsgi_app = wsgi
    atexit.register(lambda: profiler.dump_stats(target))
    return app


def values_upsert(model, rows: list[dict], unique_cols: list[str]) -> int:
    """field_app's upsert before commit 7948651, for comparison: ``insert(...).values(rows)`` makes
    SQLAlchemy compile a fresh 60 x 15-parameter statement on every request (its compiled cache cannot
    hold a multi-VALUES statement), and psycopg re-parse a query too long for its own cache."""
    from sqlalchemy.dialects import postgresql, sqlite

    from field_app.extensions import db

    if not rows:
        return 0
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    key = next(iter(model.__table__.primary_key.columns))
    stmt = module.insert(model).values(rows).on_conflict_do_nothing(index_elements=unique_cols)
    return len(db.session.execute(stmt.returning(key)).all())


def unnest_upsert(model, rows: list[dict], unique_cols: list[str]) -> int:
    """PostgreSQL only: one short statement with one array per column (``INSERT ... SELECT * FROM
    unnest(...)``): nothing to compile or parse per row. Values must already be in database form."""

    def source(table, cols, dialect) -> str:
        return "SELECT * FROM unnest({})".format(
            ", ".join(
                f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect).split('(')[0]}[])" for c in cols
            )
        )

    return _insert_select(
        model, rows, unique_cols, source, lambda cols: {c: [r[c] for r in rows] for c in cols}
    )


def jsonb_upsert(model, rows: list[dict], unique_cols: list[str]) -> int:
    """PostgreSQL only: the rows as one JSON document (``INSERT ... SELECT ... FROM jsonb_to_recordset``):
    json.dumps is C code, where psycopg adapts an array element by element in Python."""

    def source(table, cols, dialect) -> str:
        record = ", ".join(f"{c} {table.c[c].type.compile(dialect=dialect)}" for c in cols)
        return f"SELECT {', '.join(cols)} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x({record})"

    # datetimes are aware (UTC)
    return _insert_select(
        model,
        rows,
        unique_cols,
        source,
        lambda cols: {"rows": json.dumps(rows, default=lambda v: v.isoformat())},
    )


def _insert_select(model, rows: list[dict], unique_cols: list[str], source, params) -> int:
    """INSERT INTO the table (the rows' columns) <source(table, cols, dialect)> ON CONFLICT (unique_cols)
    DO NOTHING RETURNING the key, with params(cols); returns how many rows were new."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from field_app.extensions import db

    if not rows:
        return 0
    table, cols = model.__table__, list(rows[0])
    key = next(iter(table.primary_key.columns)).name
    sql = (
        f"INSERT INTO {table.name} ({', '.join(cols)}) {source(table, cols, postgresql.dialect())} "
        f"ON CONFLICT ({', '.join(unique_cols)}) DO NOTHING RETURNING {key}"
    )
    return len(db.session.execute(text(sql), params(cols)).all())
