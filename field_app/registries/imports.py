"""Import other agencies' registry rows (多部门协同): read a file, check every row, then upsert them all.

All rows are checked before anything is written; one bad row and nothing is imported. Every row
inserted or changed gets ``imported_at = now``: the scanner finds late-arriving data by that column
and re-checks the visits it touches. A row identical to the stored one keeps its ``imported_at``, so
re-sending a file triggers no re-scan. Rows stored earlier but absent from a file are kept.
``now`` is stamped before the checks and the import commits seconds later (100,000 rows: 5-9 s), well
inside the scanner's watermark overlap, so rows committed after a scan began are still picked up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from field_app.errors import Conflict, Invalid
from field_app.extensions import db
from field_app.models import Caregiver, CertificateRecord, Client, DeathRecord, GradeChange, HospitalStay
from field_app.registries import rows as rr
from field_app.registries.rows import KINDS, RowError
from field_app.services import audit

#: kind -> (model, column holding the client's or caregiver's id)
TARGETS = {
    "hospital_stays": (HospitalStay, "client_id"),
    "deaths": (DeathRecord, "client_id"),
    "certificates": (CertificateRecord, "caregiver_id"),
    "grades": (GradeChange, "client_id"),
}
#: how a file names whom a row is about -> (model, its column, a noun for messages)
OWNERS = {
    "insured_id": (Client, Client.insured_id, "client"),
    "caregiver_code": (Caregiver, Caregiver.code, "caregiver"),
}
CHUNK = 500  # values per IN (...): far below SQLite's and PostgreSQL's parameter limits
MAX_ERRORS = 100  # errors listed; the rest are counted


class RegistryFileError(ValueError):
    """The file as a whole cannot be read (encoding, JSON syntax, CSV header): no row was checked."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


class RowsInvalid(Invalid):
    """Some rows failed the checks, so nothing was imported; the rows at fault travel as details."""

    def __init__(self, kind: str, errors: list[RowError]):
        self.registry_kind, self.errors = kind, sorted(errors, key=lambda e: e.line)
        self.failed_rows = len({e.line for e in errors})
        shown = [{"line": e.line, "field": e.field, "message": e.message} for e in self.shown]
        super().__init__(
            "registry_rows_invalid",
            "{failed} {kind} row(s) failed the checks ({errors} error(s)); nothing was imported.",
            "rows",
            details={"errors": shown, "errors_not_shown": self.not_shown},
            failed=self.failed_rows,
            kind=kind,
            errors=len(errors),
        )

    @property
    def shown(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS]

    @property
    def not_shown(self) -> int:
        return max(0, len(self.errors) - MAX_ERRORS)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows inserted, rows whose values changed, rows already stored as they are."""

    kind: str
    inserted: int
    updated: int
    unchanged: int


def read_file(kind: str, path: str | Path, fmt: str) -> list[tuple[int, Any]]:
    """The rows of a CSV or JSON file as (line, row) pairs; RegistryFileError if it cannot be read."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")  # with or without a BOM (Excel writes one)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegistryFileError(
            [RowError(line, None, "the file is not UTF-8 text (convert GBK/GB18030 exports to UTF-8)")]
        ) from None
    if not text.strip():
        raise RegistryFileError([RowError(1, None, f"the file is empty (expected {fmt.upper()} rows)")])
    return list(read_csv(KINDS[kind], text)) if fmt == "csv" else read_json(text)


def read_csv(kind: rr.Kind, text: str) -> Iterator[tuple[int, dict]]:
    """CSV rows keyed by the header, with the physical line each row starts on (header = line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first = _next_record(reader)
    header = [name.strip() for name in first[1]] if first else []
    _check_header(kind, header)
    while (numbered := _next_record(reader)) is not None:
        line, record = numbered
        if any(cell.strip() for cell in record):  # spreadsheets leave blank rows
            yield line, _as_row(header, record)


def _check_header(kind: rr.Kind, header: list[str]) -> None:
    named = [name for name in header if name]  # nameless columns: a spreadsheet's trailing commas
    errors = rr.shape_errors(kind, 1, dict.fromkeys(named))
    errors += [
        RowError(1, n, f"column {n} appears twice") for n in sorted({n for n in named if named.count(n) > 1})
    ]
    errors += [
        RowError(1, c.name, f"missing column {c.name}")
        for c in kind.columns
        if c.in_header and c.name not in named
    ]
    if errors:
        raise RegistryFileError(errors)


def _next_record(reader) -> tuple[int, list[str]] | None:
    """The next record and the line it starts on (a quoted cell may span lines)."""
    start = reader.line_num + 1
    try:
        return start, next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise RegistryFileError([RowError(start, None, f"broken CSV: {exc}")]) from None


def _as_row(header: list[str], record: list[str]) -> dict:
    padded = record + [""] * (len(header) - len(record))  # short rows: the missing cells are empty
    # Surplus cells are looked at below; nameless columns (trailing commas) only matter when filled.
    row = {name: cell for name, cell in zip(header, padded, strict=False) if name or cell.strip()}
    extra = [cell for cell in record[len(header) :] if cell.strip()]
    if extra:
        row[rr.EXTRA] = extra
    return row


def read_json(text: str) -> list[tuple[int, Any]]:
    """A JSON list of objects (or an API body ``{"rows": [...]}``), numbered from 1."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryFileError(
            [RowError(exc.lineno, None, f"not valid JSON: {exc.msg} (column {exc.colno})")]
        ) from None
    if isinstance(data, dict) and set(data) == {"rows"}:
        data = data["rows"]
    if not isinstance(data, list):
        raise RegistryFileError([RowError(1, None, "expected a JSON list of objects")])
    return list(enumerate(data, start=1))


def parse_rows(
    kind: str, rows: Iterable[tuple[int, Any]], today: date | None = None
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check rows and look up whom they are about: model-ready dicts and the errors, by line."""
    spec = KINDS[kind]
    parsed, errors = rr.parse_rows(spec, rows, today)
    owner_ids = _owner_ids(spec.ref, {row.ref for row in parsed})
    owner_column = TARGETS[kind][1]
    noun = OWNERS[spec.ref][2]
    valid = []
    for row in parsed:
        if row.ref in owner_ids:
            valid.append({owner_column: owner_ids[row.ref], **row.values})
        else:
            errors.append(RowError(row.line, spec.ref, f"{spec.ref} {row.ref} is not a known {noun}"))
    return valid, sorted(errors, key=lambda e: e.line)


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _owner_ids(ref: str, names: set[str]) -> dict[str, int]:
    model, column, _ = OWNERS[ref]
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(names)):
        found.update(db.session.execute(select(column, model.id).where(column.in_(chunk))).tuples().all())
    return found


def _stored(kind: str, key_columns: tuple[str, ...], owner_ids: set[int]) -> dict[tuple, Any]:
    """The stored records of these clients or caregivers, by key."""
    model, owner = TARGETS[kind]
    stored = {}
    for chunk in _chunks(sorted(owner_ids)):
        for record in db.session.scalars(select(model).where(getattr(model, owner).in_(chunk))):
            stored[tuple(getattr(record, c) for c in key_columns)] = record
    return stored


def apply(kind: str, rows: list[dict[str, Any]], now: datetime) -> ImportResult:
    """Upsert checked rows: insert new keys, update changed values; both get ``imported_at = now``."""
    model, owner = TARGETS[kind]
    key_columns = (owner, *KINDS[kind].key)
    stored = _stored(kind, key_columns, {row[owner] for row in rows})
    new, updated = [], 0
    for row in rows:
        record = stored.get(tuple(row[c] for c in key_columns))
        if record is None:
            new.append({**row, "imported_at": now})
            continue
        changed = {name: value for name, value in row.items() if getattr(record, name) != value}
        for name, value in changed.items():
            setattr(record, name, value)
        if changed:
            record.imported_at = now
            updated += 1
    if new:
        db.session.execute(insert(model), new)
    db.session.flush()
    return ImportResult(kind, len(new), updated, len(rows) - len(new) - updated)


def import_rows(
    kind: str, rows: Iterable[tuple[int, Any]], now: datetime, today: date | None, actor: str, source: str
) -> ImportResult:
    """Check all rows, then apply them and audit the import; RowsInvalid (nothing written) otherwise."""
    valid, errors = parse_rows(kind, rows, today)
    if errors:
        raise RowsInvalid(kind, errors)
    try:
        result = apply(kind, valid, now)
    except IntegrityError:  # a concurrent import inserted the same keys first
        raise Conflict(
            "registry_import_conflict",
            "Another import wrote the same records at the same time; nothing was imported. Send the rows again.",
        ) from None
    # Counts only: the rows themselves name people (insured ids, staff numbers).
    audit.record(
        actor,
        "registry.import",
        "registry",
        kind,
        source=source,
        rows=len(valid),
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return result
