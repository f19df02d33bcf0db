"""Registry rows from other agencies (多部门协同), checked without a database.

The four kinds with their columns and keys, and the check of each row's values, so that every
problem is reported with its line. No Flask, no ``db``: whether an insured_id belongs to a known
client is the import service's question (``registries.imports``, which also reads the files).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

#: accepted spellings of a disability grade; the Chinese names are how assessment offices write them
GRADE_NAMES = {
    "severe_1": "severe_1",
    "severe_2": "severe_2",
    "severe_3": "severe_3",
    "dementia": "dementia",
    "重度失能一级": "severe_1",
    "重度失能二级": "severe_2",
    "重度失能三级": "severe_3",
    "重度失智": "dementia",
}
LAPSED_NAMES = ("lapsed", "失效")  # like an empty cell: the grade lapsed
EXTRA = None  # key under which a CSV row's values beyond the header arrive (JSON keys are never None)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # date.fromisoformat alone also takes 20260305 and 2026-W10


@dataclass(frozen=True)
class RowError:
    """One problem with one row: ``line`` is the CSV line (header = 1) or the JSON list position."""

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _date(name: str, text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{name} {text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text} is not a real date") from None


def _text(limit: int) -> Callable[[str, str], str]:
    def parse(name: str, text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
        return text

    return parse


def _grade(name: str, text: str) -> str | None:
    if text.lower() in LAPSED_NAMES:
        return None
    grade = GRADE_NAMES.get(text.lower())
    if grade is None:
        raise ValueError(f"grade {text!r} is not one of {', '.join(GRADE_NAMES)}, lapsed/失效 or empty")
    return grade


@dataclass(frozen=True)
class Column:
    """A column of a registry file and how its text becomes a value."""

    name: str
    parse: Callable[[str, str], Any]
    required: bool = True  #: a value must be given
    in_header: bool = True  #: the column must be present (CSV header, JSON key) even where empty is allowed
    past: bool = False  #: records an event that happened: a date after today is a data error
    hint: str = ""  #: what a value looks like, for ``flask registry kinds``


def date_column(name: str, **options: Any) -> Column:
    """A YYYY-MM-DD column."""
    return Column(name, _date, **{"hint": "YYYY-MM-DD", **options})


@dataclass(frozen=True)
class Kind:
    """A kind of registry data: its columns, the column naming whom a row is about, its key."""

    name: str
    title: str
    ref: str  #: "insured_id" (a client) or "caregiver_code" (a caregiver)
    key: tuple[str, ...]  #: columns that, with ``ref``, identify one record
    columns: tuple[Column, ...]
    order: tuple[tuple[str, str], ...] = ()  #: (later, earlier) pairs: later may not be before earlier

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


INSURED = Column("insured_id", _text(32))
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "hospital_stays",
            "Hospital stays (住院记录) from medical insurance (医保)",
            "insured_id",
            ("admitted_on",),
            (
                INSURED,
                date_column("admitted_on", past=True),
                date_column(
                    "discharged_on",
                    required=False,
                    in_header=False,
                    past=True,
                    hint="YYYY-MM-DD; empty = still in hospital",
                ),
                Column("hospital", _text(200), required=False, in_header=False),
            ),
            order=(("discharged_on", "admitted_on"),),
        ),
        Kind(
            "deaths",
            "Deaths (死亡登记) from civil affairs (民政)",
            "insured_id",
            (),
            (
                INSURED,
                date_column("died_on", past=True),
            ),
        ),
        Kind(
            "certificates",
            "Caregiver certificates (护理员证书) from HR & social security (人力社保)",
            "caregiver_code",
            ("certificate_no",),
            (
                Column("caregiver_code", _text(32)),
                Column("certificate_no", _text(64)),
                date_column("valid_from"),
                date_column("valid_until", required=False, in_header=False),
                date_column("revoked_on", required=False, in_header=False),
            ),
            order=(("valid_until", "valid_from"), ("revoked_on", "valid_from")),
        ),
        Kind(
            "grades",
            "Disability grades (失能等级) from the assessment office",
            "insured_id",
            ("effective_on",),
            (
                INSURED,
                date_column("effective_on"),
                # The column must be there; an empty cell means the grade lapsed.
                Column(
                    "grade",
                    _grade,
                    required=False,
                    hint="severe_1..3, dementia, 重度失能一级..三级, 重度失智; "
                    "empty, lapsed or 失效 = lapsed",
                ),
            ),
        ),
    )
}


@dataclass(frozen=True)
class RegistryRow:
    """A row whose values are valid; ``ref`` (insured_id or caregiver_code) is not yet looked up."""

    line: int
    ref: str
    values: dict[str, Any]


def _cell(name: str, raw: Any) -> str | None:
    """A cell as stripped text, None when empty; JSON numbers are taken as text (ids often are)."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError(f"{name} must be text, not {type(raw).__name__}")
    return str(raw).strip() or None


def _value(column: Column, raw: Mapping, today: date | None) -> Any:
    if column.in_header and column.name not in raw:
        raise ValueError(f"missing column {column.name}")
    text = _cell(column.name, raw.get(column.name))
    if text is None:
        if column.required:
            raise ValueError(f"{column.name} is empty")
        return None
    value = column.parse(column.name, text)
    if column.past and today is not None and value > today:
        raise ValueError(f"{column.name} {value} is in the future")
    return value


def shape_errors(kind: Kind, line: int, raw: Any) -> list[RowError]:
    """Errors in a row's keys rather than its values: not an object, unknown or surplus columns."""
    if not isinstance(raw, Mapping):
        return [RowError(line, None, f"expected an object with {', '.join(kind.names)}")]
    # Unknown columns are refused, not ignored: a misspelt optional column ("dischargd_on") would
    # otherwise import as empty, i.e. as "still in hospital".
    errors = [
        RowError(
            line,
            name,
            f"unknown column {name!r} (expected {', '.join(kind.names)})"
            if name
            else "a value in a column with no name in the header",
        )
        for name in raw
        if name is not EXTRA and name not in kind.names
    ]
    if EXTRA in raw:
        errors.append(RowError(line, None, f"{len(raw[EXTRA])} value(s) more than the header has columns"))
    return errors


def _row_values(kind: Kind, line: int, raw: Any, today: date | None) -> tuple[dict[str, Any], list[RowError]]:
    """The values of one row that parse, and the errors of the rest (columns, values, date order)."""
    errors = shape_errors(kind, line, raw)
    if not isinstance(raw, Mapping):
        return {}, errors
    values: dict[str, Any] = {}
    for column in kind.columns:
        try:
            values[column.name] = _value(column, raw, today)
        except ValueError as exc:
            errors.append(RowError(line, column.name, str(exc)))
    for later, earlier in kind.order:
        if (
            values.get(later) is not None
            and values.get(earlier) is not None
            and values[later] < values[earlier]
        ):
            errors.append(
                RowError(line, later, f"{later} {values[later]} is before {earlier} {values[earlier]}")
            )
    return values, errors


def parse_rows(
    kind: Kind, rows: Iterable[tuple[int, Any]], today: date | None = None
) -> tuple[list[RegistryRow], list[RowError]]:
    """Check every row (nothing stops at the first error); a key seen twice in one file is an error."""
    key_names = (kind.ref, *kind.key)
    valid: list[RegistryRow] = []
    errors: list[RowError] = []
    first_line: dict[tuple, int] = {}
    for line, raw in rows:
        values, row_errors = _row_values(kind, line, raw, today)
        if all(values.get(name) is not None for name in key_names):  # key columns are required
            first = first_line.setdefault(tuple(values[name] for name in key_names), line)
            if first != line:
                row_errors.append(RowError(line, kind.ref, f"same {' and '.join(key_names)} as line {first}"))
        if row_errors:
            errors.extend(row_errors)
        else:
            valid.append(RegistryRow(line, values.pop(kind.ref), values))
    return valid, errors
