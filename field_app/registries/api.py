"""Registry data from other agencies (多部门协同) through the API: the same checks and import as the CLI."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from flask import Blueprint, current_app
from pydantic import Field, WithJsonSchema

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import ErrorBody, Out, answer
from field_app.api.schemas import StrictModel
from field_app.errors import NotFound
from field_app.models.user import ADMIN
from field_app.registries.imports import import_rows
from field_app.registries.rows import KINDS
from field_app.security import require
from field_app.timeutil import local_date, now_utc

bp = Blueprint("registry", __name__)
MAX_ROWS = 10_000

#: a row is checked by the import itself (not by pydantic) so that its errors carry the row's line
Row = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": {"type": ["string", "integer", "null"]},
            "description": "One record: the kind's columns as keys",
        }
    ),
]


def _kinds_doc() -> str:
    return "\n".join(
        f"- `{k.name}`: {', '.join(c.name if c.in_header else c.name + '?' for c in k.columns)}"
        for k in KINDS.values()
    )


class RegistryRowsIn(StrictModel):
    rows: list[Row] = Field(
        max_length=MAX_ROWS,
        description="Records with the kind's columns as keys (`?`: "
        "optional); errors give line n for rows[n-1].\n" + _kinds_doc(),
    )


class RegistryImportOut(Out):
    """The import's counts: rows inserted, rows updated (values changed), rows already stored as sent."""

    kind: str
    inserted: int
    updated: int
    unchanged: int


class RowErrorOut(Out):
    line: int
    field: str | None
    message: str


class RegistryRowsInvalidOut(Out):
    """Some rows failed the checks and nothing was imported; each error names its row (1-based)."""

    error: ErrorBody
    errors: list[RowErrorOut]
    errors_not_shown: int = Field(description="Errors beyond the first 100, counted but not listed")


@bp.post("/registry/<kind>")
@require(ADMIN)
@documented(
    "Import registry rows (hospital stays, deaths, certificates, grades)",
    body=RegistryRowsIn,
    responses={200: RegistryImportOut, 422: RegistryRowsInvalidOut},
    errors=("unknown_registry_kind", "registry_rows_invalid", "registry_import_conflict"),
    tag="registry",
)
def import_registry(kind: str):
    """All rows are checked first; if any fails, nothing is imported. Re-sending rows is harmless.
    Admins only: registry data comes from the insurer's data exchange, not from agencies."""
    if kind not in KINDS:
        raise NotFound(
            "unknown_registry_kind", f"No registry kind {kind!r}; known: {', '.join(KINDS)}.", "kind"
        )
    body = parse_body(RegistryRowsIn)
    now = now_utc()
    today = local_date(now, current_app.config["TIMEZONE"])
    result = import_rows(kind, enumerate(body.rows, start=1), now, today, actor="api", source="api")
    return answer(RegistryImportOut(**asdict(result)))
