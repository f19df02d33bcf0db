"""Bulk import of master data from CSV or XLSX: every row checked by the kind's shape and saved by the
kind's service (the API's rules exactly), all or nothing per file, idempotent (upsert by natural key).

Rows stream: CSV through ``csv.DictReader``, XLSX through openpyxl's read-only mode (rows are read
as the file is parsed, never a whole sheet in memory). The file runs inside a SAVEPOINT: one bad row
and the savepoint is rolled back, so nothing is written; a dry run rolls it back always and reports
what would happen. Errors name the row's line (the header is line 1), the column and the problem.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from pydantic import ValidationError

from field_app.errors import DomainError, Invalid
from field_app.extensions import db
from field_app.masterdata import agencies, caregivers, clients, phones, plans, scheme
from field_app.masterdata import records as r
from field_app.masterdata.shapes import SHAPES, Shape
from field_app.services import audit

MAX_ERRORS = 100
#: rows after which the session lets go of the objects it saved (callers must not hold ORM objects
#: across an import: re-load them after it)
RELEASE_EVERY = 2000
FORMATS = ("csv", "xlsx")
#: kind -> the natural key of a row (a key twice in one file is an error)
KEYS: dict[str, Callable[[Shape], tuple]] = {
    "agencies": lambda d: (d.code,),
    "caregivers": lambda d: (d.code,),
    "phones": lambda d: (d.caregiver_code, d.device_id),
    "clients": lambda d: (d.insured_id,),
    "care_plans": lambda d: (d.insured_id, d.plan_no),
    "scheme_rates": lambda d: (d.care_type, d.grade, d.effective_from),
}


@dataclass
class RowError:
    line: int
    field: str | None
    code: str
    message: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_not_shown: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _rows_from(header: list, records: Iterable[tuple[int, list]]) -> Iterator[tuple[int, dict]]:
    names = [str(h).strip() if h is not None else "" for h in header]
    for line, values in records:
        row = {n: _cell(v) for n, v in zip(names, values, strict=False) if n}
        if any(v is not None for v in row.values()):
            yield line, {k: v for k, v in row.items() if v is not None}


def read_csv(stream: IO[bytes]) -> Iterator[tuple[int, dict]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is not None:
            yield from _rows_from(header, ((reader.line_num, rec) for rec in reader))
    finally:
        text.detach()  # the caller owns the stream


def read_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, dict]]:
    from openpyxl import load_workbook

    book = load_workbook(stream, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        yield from _rows_from(list(header), ((n, list(v)) for n, v in enumerate(rows, start=2)))
    finally:
        book.close()


def read(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, dict]]:
    if fmt not in FORMATS:
        raise r.quiet(
            Invalid("unsupported_format", "Import files are csv or xlsx, not {fmt}.", "format", fmt=fmt)
        )
    try:
        yield from (read_csv if fmt == "csv" else read_xlsx)(stream)
    except (UnicodeDecodeError, csv.Error, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise r.quiet(
            Invalid(
                "unreadable_file", "The {fmt} file cannot be read: {why}", "file", fmt=fmt, why=str(exc)[:200]
            )
        ) from None


def _save(kind: str, data: Shape, actor: r.Actor, scope: set[int] | None):
    if kind == "caregivers":
        return caregivers.save(data, actor, agency_scope=scope)
    if kind == "phones":
        caregiver = r.caregiver_by_code(data.caregiver_code)
        if scope is not None and caregiver.agency_id not in scope:
            raise r.quiet(
                Invalid(
                    "unknown_caregiver",
                    "No caregiver with staff number {key}.",
                    "caregiver_code",
                    key=data.caregiver_code,
                )
            )
        return phones.request(data, actor, approve=data.approved)
    service = {
        "agencies": agencies.save,
        "clients": clients.save,
        "care_plans": plans.save,
        "scheme_rates": scheme.add,
    }
    return service[kind](data, actor)


def _add_error(result: ImportResult, error: RowError) -> None:
    if len(result.errors) < MAX_ERRORS:
        result.errors.append(error)
    else:
        result.errors_not_shown += 1


def _validation_errors(line: int, exc: ValidationError) -> list[RowError]:
    out = []
    for e in exc.errors(include_url=False):
        column = ".".join(str(p) for p in e["loc"]) or None
        code = {"missing": "missing_field", "extra_forbidden": "unknown_field"}.get(e["type"], e["type"])
        out.append(RowError(line, column, code if "_" in code else "invalid_field", e["msg"]))
    return out


def _one_row(kind, line, raw, actor, scope, seen, result) -> None:
    try:
        data = SHAPES[kind].model_validate(raw)
    except ValidationError as exc:
        for error in _validation_errors(line, exc):
            _add_error(result, error)
        return
    key = KEYS[kind](data)
    if key in seen:
        _add_error(result, RowError(line, None, "duplicate_key", f"same key as line {seen[key]}"))
        return
    seen[key] = line
    if result.errors:
        return  # the file fails anyway: only check the rest
    try:
        _, outcome = _save(kind, data, actor, scope)
    except DomainError as exc:
        _add_error(result, RowError(line, exc.field, exc.code, exc.message))
        return
    setattr(result, outcome, getattr(result, outcome) + 1)


def import_rows(
    kind: str,
    rows: Iterable[tuple[int, dict]],
    actor: r.Actor,
    *,
    dry_run: bool = False,
    scope: set[int] | None = None,
    source: str = "file",
) -> ImportResult:
    """Check and save every row inside a savepoint; keep it only when all rows passed and not a dry run."""
    result = ImportResult(kind, dry_run)
    seen: dict[tuple, int] = {}
    savepoint = db.session.begin_nested()
    try:
        for line, raw in rows:
            result.rows += 1
            _one_row(kind, line, raw, actor, scope, seen, result)
            if result.rows % RELEASE_EVERY == 0:  # memory stays flat: saved rows leave the session
                db.session.flush()
                db.session.expunge_all()
                db.session.info.pop(r.AGENCY_CACHE, None)
    except BaseException:
        savepoint.rollback()
        raise
    if result.errors or dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
        audit.record(
            actor.name,
            "import.file",
            "import",
            kind,
            source=source,
            rows=result.rows,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    return result
