"""Fix reported as coming from a mock location provider (模拟定位).

Flags: any check-in/check-out fix or trail point for which the phone said the location came from a
mock provider (Android ``Location.isMock()``, iOS ``isSimulatedBySoftware``): ``mock`` is True.
Why: a spoofing app lets a caregiver "be" at the client's home from anywhere; every location-based
check (geofence, trail, travel speed) is worthless for a spoofed visit.
Legitimate look-alike: phones that cannot tell (older iOS, some web clients) report ``mock`` as
unknown (None), and honest phones report False: neither fires. Any True fires, since the fund cannot
accept a spoofed fix whatever the reason (developer options left on are still the caregiver's to fix).
Thresholds: none.
Severity: high, score 50 (the phone itself says the location is fake).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def _message(attempt_ids, point_indexes, total_points):
    parts = []
    if attempt_ids:
        parts.append(f"attempt(s) {', '.join(map(str, attempt_ids))}")
    if point_indexes:
        parts.append(f"{len(point_indexes)} of {total_points} trail points")
    return f"The phone reported a mock location provider for {' and '.join(parts)}."


def evaluate(visit, ctx, params):
    attempts = [a for a in visit.attempts if a.fix.mock is True]
    point_indexes = [i for i, p in enumerate(visit.points) if p.fix.mock is True]
    if not attempts and not point_indexes:
        return
    times = [a.fix.at for a in attempts] + [visit.points[i].fix.at for i in point_indexes[:1]]
    first_at = min(times)
    attempt_ids = sorted(a.id for a in attempts)
    yield visit_finding(
        visit,
        _message(attempt_ids, point_indexes, len(visit.points)),
        {
            "mock_attempt_ids": attempt_ids,
            "mock_points": len(point_indexes),
            "mock_point_indexes": point_indexes[:50],  # enough to find them; the count is exact
            "points": len(visit.points),
            "first_mock_at": iso(first_at),
        },
        occurred_at=first_at,
    )


RULE = Rule(
    code="G03",
    name="mock_location",
    title_en="Mock location",
    title_zh="模拟定位",
    severity="high",
    score=50,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
