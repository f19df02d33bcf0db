"""Check-in or check-out outside the client's geofence (打卡位置不在服务地址).

Flags: a visit whose final check-in or final check-out attempt was recorded ``OUTSIDE`` the client's
home geofence. The geofence verdict is accuracy-aware (verification.geofence): ``OUTSIDE`` means the
whole accuracy circle is beyond the fence, so ``UNCERTAIN`` (the circle straddles the fence) never
fires.
Why: home care is paid for care given at the client's home; checking in from the street, the
agency's office or another client's home is the commonest way to bill a visit that did not happen.
Legitimate look-alike: a weak indoor fix whose accuracy circle straddles the fence (``UNCERTAIN``),
or a first attempt outside (still in the lift, at the gate) followed by a retry inside: only the
final attempt of each end counts.
Thresholds: none of its own; the fence radius and datum handling belong to the geofence check.
Severity: high, score 35.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.facts import OUTSIDE
from field_app.rules.support import KIND_LABEL, final_attempt, visit_finding


def _end(attempt):
    return {
        "end": attempt.kind,
        "attempt_id": attempt.id,
        "distance_m": None if attempt.distance_m is None else round(attempt.distance_m),
        "accuracy_m": round(attempt.fix.accuracy_m, 1),
    }


def _phrase(end):
    distance = "at an unknown distance" if end["distance_m"] is None else f"{end['distance_m']} m"
    return f"{KIND_LABEL.get(end['end'], end['end']).lower()} fix {distance} from the client's home, accuracy {end['accuracy_m']:g} m"


def evaluate(visit, ctx, params):
    finals = (final_attempt(visit, kind) for kind in ("check_in", "check_out"))
    outside = [a for a in finals if a is not None and a.geofence_status == OUTSIDE]
    if not outside:
        return
    ends = [_end(a) for a in outside]
    client = ctx.clients.get(visit.client_id)
    radius = None if client is None else client.home.radius_m
    fence = "" if radius is None else f" (fence {radius:g} m)"
    text = "; ".join(_phrase(e) for e in ends)
    yield visit_finding(
        visit,
        text[0].upper() + text[1:] + fence + ".",
        {**ends[0], "ends": ends, "radius_m": radius},
        occurred_at=outside[0].fix.at,
    )


RULE = Rule(
    code="G01",
    name="attendance_outside_geofence",
    title_en="Check-in or check-out outside the geofence",
    title_zh="打卡位置不在服务地址",
    severity="high",
    score=35,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
