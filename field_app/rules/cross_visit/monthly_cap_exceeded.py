"""Monthly service value above the payment cap (月度服务费用超出限额).

Flags: a client whose performed items in one local calendar month add up, at catalogue prices
(``unit_price_yuan`` per performed item), to more than the care plan's ``monthly_cap_yuan`` (1,500
yuan for home care in Jiaxing; ``default_cap_yuan`` when the client has no care plan). Visits are
assigned to the month of their local check-in; items with codes missing from the catalogue count 0
and are listed. A client not in ``ctx.clients`` is judged against ``default_cap_yuan``. The scanner
should pass whole months; a partial month can only under-count.
Why: the fund pays at most the cap; services recorded beyond it are either billed to the fund
anyway by an agency hoping no one adds up, or recorded to pad the agency's performance figures;
either way the items are a good place to look for ones that were not done.
Legitimate look-alike: the family pays for extra services itself (self-funded items recorded in the
same app), or the cap changed with a re-assessment mid-month; the evidence gives the value of each
visit so the supervisor can match it to the agency's claim.
Thresholds: ``default_cap_yuan`` (1500) when there is no care plan.
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding, month_key
from field_app.rules.support import local_day


def _cap(client, params):
    if client is None or client.care_plan is None:
        return params["default_cap_yuan"]
    return client.care_plan.monthly_cap_yuan


def _values(visits, catalogue):
    """(visit, catalogue value in yuan, unknown item codes)."""
    for visit in visits:
        unknown = sorted({i.code for i in visit.items if i.code not in catalogue})
        value = sum(catalogue[i.code].unit_price_yuan for i in visit.items if i.code in catalogue)
        yield visit, value, unknown


def evaluate(visits, ctx, params):
    for client_id, own in group_by(visits, lambda v: v.client_id).items():
        cap = _cap(ctx.clients.get(client_id), params)
        months = group_by(
            _values(own, ctx.catalogue), lambda r: month_key(local_day(r[0].check_in_at, ctx.timezone))
        )
        for month, rows in months.items():
            total = sum(value for _, value, _ in rows)
            if total <= cap:
                continue
            yield group_finding(
                f"client_month:{client_id}:{month}",
                f"Client {client_id}'s services in {month} are worth {total:.2f} yuan at catalogue prices "
                f"over {len(rows)} visits, above the {cap:.2f} yuan monthly cap.",
                {
                    "month": month,
                    "total_yuan": round(total, 2),
                    "cap_yuan": round(cap, 2),
                    "visits": [
                        {"visit_id": v.id, "value_yuan": round(value, 2), "items": len(v.items)}
                        for v, value, _ in rows
                    ],
                    "unknown_item_codes": sorted({c for _, _, unknown in rows for c in unknown}),
                },
                [v for v, _, _ in rows],
                occurred_at=_crossing(rows, cap),
            )


def _crossing(rows, cap):
    """Check-in of the visit that took the month over the cap."""
    running = 0.0
    for visit, value, _ in sorted(rows, key=lambda r: r[0].check_in_at):
        running += value
        if running > cap:
            return visit.check_in_at
    return rows[-1][0].check_in_at


RULE = Rule(
    code="X09",
    name="monthly_cap_exceeded",
    title_en="Monthly cap exceeded",
    title_zh="月度费用超出限额",
    severity="medium",
    score=25,
    scope="client",
    evaluate=evaluate,
    defaults={"default_cap_yuan": 1500.0},
)
