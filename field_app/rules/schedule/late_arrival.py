"""A check-in well after the planned start of the visit it fulfils (迟到 / late arrival).

Flags: a visit linked to a planned visit whose check-in came more than ``late_minutes`` after the
planned start. One finding per visit.
Why: the care plan's times matter to the client (meals, medication, getting up); chronic lateness is a
service-quality problem, and a check-in hours late can be a visit made up after the fact.
Legitimate look-alike: traffic or a previous client who needed longer: minutes, which ``late_minutes``
absorbs; a visit the agency moved to a later time is judged against its new start (the move is recorded).
Thresholds: ``late_minutes`` (30).
Severity: low, score 10.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    pv = ctx.planned_visits.get(visit.planned_visit_id) if visit.planned_visit_id else None
    if pv is None:
        return
    late = (visit.check_in_at - pv.starts_at).total_seconds() / 60
    if late > params["late_minutes"]:
        yield visit_finding(
            visit,
            f"Visit {visit.id} checked in {late:.0f} minutes after its planned start "
            f"(limit {params['late_minutes']}).",
            {
                "planned_visit_id": pv.id,
                "planned_start": iso(pv.starts_at),
                "check_in_at": iso(visit.check_in_at),
                "late_minutes": round(late, 1),
                "limit_minutes": params["late_minutes"],
            },
        )


RULE = Rule(
    code="S02",
    name="late_arrival",
    title_en="Late arrival",
    title_zh="迟到",
    severity="low",
    score=10,
    scope="visit",
    evaluate=evaluate,
    defaults={"late_minutes": 30},
)
