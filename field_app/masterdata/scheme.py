"""The scheme table (待遇标准): monthly caps and fund shares by care type and grade, effective-dated.

Rows are data, never edited in place: a new rate starts on a day and the previous row for the same care
type and grade ends the day before. ``rate_for`` is what care plans and the settlement ledger read.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select

from field_app.errors import Conflict, Invalid
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.shapes import SchemeRateIn
from field_app.models import SchemeRate

#: the rows migration o01 starts the table with (Jiaxing, ../shared/domain.md): care type, cap, fund share
JIAXING_RATES = (
    ("home", Decimal("1500"), Decimal("0.8"), "Jiaxing home care (居家护理)"),
    ("institution_elderly", Decimal("3000"), Decimal("0.7"), "Jiaxing elderly-care institution (养老机构)"),
    ("institution_medical", Decimal("2400"), Decimal("0.7"), "Jiaxing medical institution (医疗机构)"),
)


def default_rows() -> list[dict]:
    """The starting rows as plain values (for a database whose tables were emptied, e.g. by tests)."""
    return [
        {
            "care_type": care_type,
            "grade": None,
            "effective_from": date(2020, 1, 1),
            "monthly_cap_yuan": cap,
            "fund_share": share,
            "note": note,
            "created_by": "migration:o01",
        }
        for care_type, cap, share, note in JIAXING_RATES
    ]


FIELDS = ("care_type", "grade", "effective_from", "effective_until", "monthly_cap_yuan", "fund_share", "note")


def as_json(rate: SchemeRate) -> dict:
    return {"id": rate.id, **r.snapshot(rate, FIELDS)}


def rate_for(care_type: str, grade: str | None, on: date) -> SchemeRate:
    """The row in force on ``on``: the grade's own row, else the care type's all-grades row."""
    stmt = (
        select(SchemeRate)
        .where(
            SchemeRate.care_type == care_type,
            or_(SchemeRate.grade == grade, SchemeRate.grade.is_(None)),
            SchemeRate.effective_from <= on,
            or_(SchemeRate.effective_until.is_(None), SchemeRate.effective_until >= on),
        )
        .order_by(SchemeRate.grade.is_(None), SchemeRate.effective_from.desc())
    )
    rate = db.session.scalars(stmt).first()
    if rate is None:
        raise r.quiet(
            Invalid(
                "no_scheme_rate",
                "The scheme table has no rate for {care_type} / {grade} on {day}.",
                "care_type",
                care_type=care_type,
                grade=grade or "any grade",
                day=on.isoformat(),
            )
        )
    return rate


def add(data: SchemeRateIn, actor: r.Actor) -> tuple[SchemeRate, str]:
    """A new rate from ``effective_from``; the same row sent again changes nothing."""
    same_key = select(SchemeRate).where(
        SchemeRate.care_type == data.care_type,
        SchemeRate.grade.is_(None) if data.grade is None else SchemeRate.grade == data.grade,
    )
    rows = list(db.session.scalars(same_key.order_by(SchemeRate.effective_from)))
    existing = next((x for x in rows if x.effective_from == data.effective_from), None)
    values = {
        "monthly_cap_yuan": Decimal(str(data.monthly_cap_yuan)),
        "fund_share": Decimal(str(data.fund_share)),
    }
    if existing is not None:
        if any(float(getattr(existing, k)) != float(v) for k, v in values.items()):
            raise r.quiet(
                Conflict(
                    "scheme_rate_exists",
                    "A rate for this care type and grade already starts on {day}; rates are never edited, "
                    "add one from a later day.",
                    "effective_from",
                    day=data.effective_from.isoformat(),
                )
            )
        return existing, r.UNCHANGED
    later = [x for x in rows if x.effective_from > data.effective_from]
    rate = SchemeRate(
        **data.model_dump(exclude={"monthly_cap_yuan", "fund_share"}), **values, created_by=actor.name
    )
    rate.effective_until = later[0].effective_from - timedelta(days=1) if later else None
    for prior in rows:
        if prior.effective_from < data.effective_from and (
            prior.effective_until is None or prior.effective_until >= data.effective_from
        ):
            prior.effective_until = data.effective_from - timedelta(days=1)
    db.session.add(rate)
    db.session.flush()
    r.record_change(
        actor, "scheme_rate.add", "scheme_rate", rate.id, {k: (None, v) for k, v in as_json(rate).items()}
    )
    return rate, r.INSERTED
