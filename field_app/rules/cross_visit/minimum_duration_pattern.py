"""A caregiver who nearly always stops at exactly the minimum duration (服务时长卡点).

Flags: a caregiver with at least ``min_visits`` closed visits with known items in the scanned window,
of which at least ``min_share`` ended within ``slack_minutes`` above the items' summed catalogue
minimum (the same minimum the duration check uses). Visits below the minimum are T01's and are not
counted as "at the minimum". One finding per caregiver and window (``caregiver_period:<id>:<the
last visit's local date>``).
Why: real care varies: some days the client needs longer, some days shorter. Visits that end at
the minimum time after time are timed to the billing rule, not to the client: the caregiver waits
out the clock (or checks out the moment the app allows), a sign the items were not all done.
Legitimate look-alike: a client with one simple, fixed item (e.g. 30 minutes of limb exercise) and
a punctual caregiver who follows the app's timer: the work can honestly fit the minimum. Hence a
pattern over many visits, a high share, and medium severity: it is a prompt for a spot-check visit,
not a proof.
Thresholds: ``min_visits`` (10), ``min_share`` (0.8), ``slack_minutes`` (3).
Severity: medium, score 20.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding, required_minutes
from field_app.rules.support import local_day


def _excess(visits, catalogue):
    """(visit, minutes above its required minimum) for closed visits with a known minimum."""
    for visit in visits:
        required = required_minutes(visit, catalogue)
        if visit.check_out_at is not None and required > 0:
            yield visit, visit.duration_minutes - required


def evaluate(visits, ctx, params):
    slack = params["slack_minutes"]
    for caregiver_id, own in group_by(visits, lambda v: v.caregiver_id).items():
        measured = list(_excess(own, ctx.catalogue))
        at_min = [(v, e) for v, e in measured if 0 <= e <= slack]
        if len(measured) < params["min_visits"] or len(at_min) < params["min_share"] * len(measured):
            continue
        last_day = local_day(max(v.check_in_at for v in own), ctx.timezone)  # the window's last day
        share = len(at_min) / len(measured)
        yield group_finding(
            f"caregiver_period:{caregiver_id}:{last_day.isoformat()}",
            f"Caregiver {caregiver_id} ended {len(at_min)} of {len(measured)} visits ({share:.0%}) within "
            f"{slack} minutes of the items' minimum duration (threshold {params['min_share']:.0%}).",
            {
                "visits_measured": len(measured),
                "visits_at_minimum": len(at_min),
                "share": round(share, 3),
                "min_share": params["min_share"],
                "min_visits": params["min_visits"],
                "slack_minutes": slack,
                "last_date": last_day.isoformat(),
                "at_minimum": [{"visit_id": v.id, "minutes_above_minimum": round(e, 1)} for v, e in at_min],
            },
            [v for v, _ in at_min],
        )


RULE = Rule(
    code="X06",
    name="minimum_duration_pattern",
    title_en="Visits stop at the minimum duration",
    title_zh="服务时长卡最低时限",
    severity="medium",
    score=20,
    scope="caregiver",
    evaluate=evaluate,
    defaults={"min_visits": 10, "min_share": 0.8, "slack_minutes": 3},
)
