"""File upload of master data (CSV / XLSX): the same import as ``flask import``, with a dry run."""

from __future__ import annotations

import io

from flask import Blueprint, jsonify, request
from pydantic import Field

from field_app.api.master_context import actor, scope
from field_app.api.openapi import documented
from field_app.api.parsing import QueryModel, parse_query
from field_app.api.responses import ErrorBody, Out
from field_app.errors import Forbidden, NotFound, Unsupported
from field_app.masterdata import policy
from field_app.masterdata.importer import import_rows, read
from field_app.masterdata.records import quiet
from field_app.masterdata.shapes import SHAPES
from field_app.models.user import ADMIN, SUPERVISOR
from field_app.security import current_user, require

bp = Blueprint("imports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportQuery(QueryModel):
    dry_run: bool = Field(False, description="Check and count, write nothing")


class ImportRowErrorOut(Out):
    line: int
    field: str | None
    code: str
    message: str


class ImportOut(Out):
    """The import's counts; with errors (422) nothing was imported."""

    kind: str
    dry_run: bool
    rows: int
    inserted: int
    updated: int
    unchanged: int
    errors: list[ImportRowErrorOut]
    errors_not_shown: int


class ImportFailedOut(ImportOut):
    error: ErrorBody


def _format() -> str:
    kind = (request.content_type or "").split(";")[0].strip()
    upload = request.files.get("file")
    if upload is not None:
        return upload.filename.rsplit(".", 1)[-1].lower() if upload.filename else ""
    if kind in ("text/csv", "application/csv"):
        return "csv"
    if kind == XLSX:
        return "xlsx"
    raise Unsupported(
        "import_format", "Send the file as text/csv, the XLSX media type, or multipart field 'file'."
    )


@bp.post("/imports/<kind>")
@require(ADMIN, SUPERVISOR)
@documented(
    "Import a CSV or XLSX file of master data (all rows or none)",
    query=ImportQuery,
    responses={200: ImportOut, 422: ImportFailedOut},
    errors=(
        "unknown_import_kind",
        "import_format",
        "unsupported_format",
        "unreadable_file",
        "import_rows_invalid",
    ),
    tag="master data",
)
def import_file(kind: str):
    """Body: the file as ``text/csv`` or the XLSX media type, or a multipart form with ``file``.
    Kinds: agencies, caregivers, phones, clients, care_plans, scheme_rates; who may import a kind is who
    may write it. Each error names the row's line (header = 1), column and code."""
    if kind not in SHAPES:
        raise quiet(
            NotFound(
                "unknown_import_kind",
                "No import kind {kind}; known: {known}.",
                "kind",
                kind=kind,
                known=", ".join(SHAPES),
            )
        )
    if current_user().role not in policy.IMPORT[kind]:
        raise quiet(Forbidden("forbidden", "Your role may not import {kind}.", None, kind=kind))
    q = parse_query(ImportQuery)
    fmt = _format()
    upload = request.files.get("file")
    stream = upload.stream if upload is not None else io.BytesIO(request.get_data())
    result = import_rows(
        kind, read(stream, fmt), actor(), dry_run=q.dry_run, scope=scope(), source=f"api:{fmt}"
    )
    body = {
        "kind": kind,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": [e.__dict__ for e in result.errors],
        "errors_not_shown": result.errors_not_shown,
    }
    if result.errors:
        message = (
            f"{len(result.errors) + result.errors_not_shown} error(s) in the file; nothing was imported."
        )
        return jsonify(
            {"error": {"code": "import_rows_invalid", "message": message, "field": "file"}, **body}
        ), 422
    return jsonify(body)
