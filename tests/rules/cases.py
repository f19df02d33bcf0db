"""Build rule facts from the JSON cases under ``fixtures/rules/`` (short cases, sensible defaults).

A case file is ``{"rule": "F01", "cases": [case, ...]}``; a case is::

    {"name": "what it shows, in words",
     "expect": "fire" | "quiet" | "not_applicable",
     "count": 1,                       # optional: how many findings
     "evidence": {"distance_m": 412},  # optional: subset of the first finding's evidence
     "params": {"max_distance": 0.5},  # optional: threshold overrides
     "now": "2026-11-20T20:00:00+08:00",
     "context": {"clients": [...], "caregivers": [...], "enrolments": {"1": [[...128 floats]]},
                 "prior_attempts": [attempt, ...],
                 "enrolment_changes": [{"applied_at", "past_selfies", "past_distance", ...}]},
     "subject": visit | [visit, ...]}  # a list for caregiver/client/population scopes

Defaults: client 1 (agency 1) at home 30.75 N 120.75 E with a 100 m fence and a care plan of all
daily-life items, 3 visits a week; caregiver 1 (agency 1, not a nurse, valid certificate); the
catalogue from ``fixtures/catalogue.json``. A visit without "attempts" gets a matched check-in at
home at ``check_in_at`` (and a check-out at ``check_out_at`` when given). Times are ISO 8601 with an
offset; attempts and points take ``lat``/``lng``/``accuracy_m``/``at`` flat.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from field_app.rules import facts as f

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "fixtures" / "rules"
HOME_LAT, HOME_LNG = 30.75, 120.75


def ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"case time {value!r} needs an offset")
    return parsed.astimezone(UTC)


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_catalogue() -> dict[str, f.ServiceItem]:
    data = json.loads((ROOT / "fixtures" / "catalogue.json").read_text(encoding="utf-8"))
    return {
        i["code"]: f.ServiceItem(
            i["code"], i["group"], i["min_minutes"], i["needs_nurse"], i["unit_price_yuan"]
        )
        for i in data["items"]
    }


def build_fix(d: dict, default_at: datetime | None = None) -> f.Fix:
    return f.Fix(
        lat=d.get("lat", HOME_LAT),
        lng=d.get("lng", HOME_LNG),
        accuracy_m=d.get("accuracy_m", 10.0),
        at=ts(d["at"]) if "at" in d else default_at,
        mock=d.get("mock"),
        altitude_m=d.get("altitude_m"),
        speed_mps=d.get("speed_mps"),
        bearing_deg=d.get("bearing_deg"),
    )


def build_attempt(
    d: dict, visit_id: int, caregiver_id: int, default_at: datetime | None, n: int
) -> f.Attempt:
    fix = build_fix(d, default_at)
    return f.Attempt(
        id=d.get("id", visit_id * 100 + n),
        visit_id=d.get("visit_id", visit_id),
        kind=d.get("kind", "check_in"),
        caregiver_id=d.get("caregiver_id", caregiver_id),
        device_id=d.get("device_id", f"device-{caregiver_id}"),
        fix=fix,
        received_at=ts(d["received_at"]) if "received_at" in d else fix.at,
        device_time=ts(d["device_time"]) if "device_time" in d else fix.at,
        face_status=d.get("face_status", f.FACE_MATCHED),
        face_distance=d.get("face_distance", 0.3),
        face_threshold=d.get("face_threshold", 0.5),
        face_encoding=tuple(d["face_encoding"]) if "face_encoding" in d else None,
        image_hash=d.get("image_hash"),
        geofence_status=d.get("geofence_status", f.INSIDE),
        distance_m=d.get("distance_m", 0.0),
    )


def build_point(d: dict) -> f.TrailPoint:
    return f.TrailPoint(
        fix=build_fix(d),
        geofence_status=d.get("geofence_status", f.INSIDE),
        distance_m=d.get("distance_m", 0.0),
    )


def build_clip(d: dict, visit_id: int, caregiver_id: int, n: int) -> f.Clip:
    return f.Clip(
        id=d.get("id", visit_id * 100 + n),
        visit_id=d.get("visit_id", visit_id),
        caregiver_id=d.get("caregiver_id", caregiver_id),
        sha256=d.get("sha256", f"{visit_id:032x}{n:032x}"),
        received_at=ts(d.get("received_at", "2026-11-20T08:30:00+08:00")),
        duration_s=d.get("duration_s", 10.0),
        audio_fingerprint=tuple(d.get("audio_fingerprint", ())),
        keyframe_hashes=tuple(d.get("keyframe_hashes", ())),
    )


def build_visit(d: dict) -> f.Visit:
    vid, cg = d.get("id", 1), d.get("caregiver_id", 1)
    check_in_at, check_out_at = ts(d["check_in_at"]), ts(d.get("check_out_at"))
    if "attempts" in d:
        attempts = [build_attempt(a, vid, cg, check_in_at, n) for n, a in enumerate(d["attempts"])]
    else:
        attempts = [build_attempt({"kind": "check_in"}, vid, cg, check_in_at, 0)]
        if check_out_at:
            attempts.append(build_attempt({"kind": "check_out"}, vid, cg, check_out_at, 1))
    return f.Visit(
        id=vid,
        uuid=d.get("uuid", f"visit-{vid}"),
        caregiver_id=cg,
        client_id=d.get("client_id", 1),
        agency_id=d.get("agency_id", 1),
        check_in_at=check_in_at,
        check_out_at=check_out_at,
        attempts=tuple(attempts),
        points=tuple(sorted((build_point(p) for p in d.get("points", ())), key=lambda p: p.fix.at)),
        items=tuple(
            f.PerformedItem(i["code"], ts(i["started_at"]), ts(i.get("ended_at"))) for i in d.get("items", ())
        ),
        family_confirmed=d.get("family_confirmed"),
        clips=tuple(build_clip(c, vid, cg, n) for n, c in enumerate(d.get("clips", ()))),
        missed_clip_requests=tuple(ts(t) for t in d.get("missed_clip_requests", ())),
        planned_visit_id=d.get("planned_visit_id"),
        taps=tuple(build_tap(t, attempts) for t in d.get("taps", ())),
        tag_required=d.get("tag_required", False),
        confirmation=d.get("confirmation"),
        confirmation_expires_at=ts(d.get("confirmation_expires_at")),
    )


def build_tap(d: dict, attempts: list[f.Attempt]) -> f.TagTap:
    """A tag tap sent with the visit's first attempt of its kind (``attempt_at`` = that attempt's fix)."""
    kind = d.get("kind", "check_in")
    sent_with = next(a for a in attempts if a.kind == kind)
    return f.TagTap(
        attempt_id=sent_with.id,
        kind=kind,
        status=d.get("status", "valid"),
        tapped_at=ts(d["tapped_at"]) if "tapped_at" in d else sent_with.fix.at,
        attempt_at=sent_with.fix.at,
        read_counter=d.get("read_counter"),
    )


def build_client(d: dict, catalogue: dict[str, f.ServiceItem]) -> f.Client:
    plan = d.get("care_plan", {})
    default_items = frozenset(c for c, item in catalogue.items() if item.group == "daily_life")
    care_plan = (
        None
        if plan is None
        else f.CarePlan(
            item_codes=frozenset(plan.get("item_codes", default_items)),
            visits_per_week=plan.get("visits_per_week", 3),
            monthly_cap_yuan=plan.get("monthly_cap_yuan", 1500.0),
            fund_share=plan.get("fund_share", 0.8),
            caregiver_ids=frozenset(plan.get("caregiver_ids", ())),
            scheduled=plan.get("scheduled", False),
            allow_overlap=plan.get("allow_overlap", False),
        )
    )
    home = d.get("home", {})
    return f.Client(
        id=d.get("id", 1),
        agency_id=d.get("agency_id", 1),
        home=f.Home(
            lat=home.get("lat", HOME_LAT),
            lng=home.get("lng", HOME_LNG),
            radius_m=home.get("radius_m", 100.0),
            polygon=tuple(map(tuple, home["polygon"])) if home.get("polygon") else None,
        ),
        grade=d.get("grade", "severe_1"),
        care_plan=care_plan,
        address_key=d.get("address_key"),
        trail_consent=d.get("trail_consent", True),
        hospital_stays=tuple(
            f.Period(day(p["start"]), day(p.get("end"))) for p in d.get("hospital_stays", ())
        ),
        death_date=day(d.get("death_date")),
        grade_lapsed_on=day(d.get("grade_lapsed_on")),
    )


def build_caregiver(d: dict) -> f.Caregiver:
    certs = d.get("certificates", [{"start": "2020-01-01", "end": "2030-12-31"}])
    return f.Caregiver(
        id=d.get("id", 1),
        agency_id=d.get("agency_id", 1),
        is_nurse=d.get("is_nurse", False),
        certificates=tuple(f.Period(day(c["start"]), day(c.get("end"))) for c in certs),
        address_key=d.get("address_key"),
    )


def build_context(case: dict) -> f.RuleContext:
    ctx = case.get("context", {})
    catalogue = load_catalogue()
    clients = [build_client(c, catalogue) for c in ctx.get("clients", [{}])]
    caregivers = [build_caregiver(c) for c in ctx.get("caregivers", [{}])]
    prior = [
        build_attempt(a, a.get("visit_id", 900 + n), a.get("caregiver_id", 1), None, n)
        for n, a in enumerate(ctx.get("prior_attempts", ()))
    ]
    return f.RuleContext(
        now=ts(case.get("now", "2026-11-21T12:00:00+08:00")),
        clients={c.id: c for c in clients},
        caregivers={c.id: c for c in caregivers},
        catalogue=catalogue,
        enrolments={int(k): tuple(tuple(e) for e in v) for k, v in ctx.get("enrolments", {}).items()},
        prior_attempts=tuple(prior),
        enrolment_changes=_enrolment_changes(ctx.get("enrolment_changes", ())),
        prior_clips=tuple(
            build_clip(c, c.get("visit_id", 900 + n), c.get("caregiver_id", 1), n)
            for n, c in enumerate(ctx.get("prior_clips", ()))
        ),
        planned_visits={p["id"]: build_planned(p) for p in ctx.get("planned_visits", ())},
    )


def build_planned(d: dict) -> f.PlannedVisit:
    starts = ts(d["starts_at"])
    return f.PlannedVisit(
        id=d["id"],
        client_id=d.get("client_id", 1),
        caregiver_id=d.get("caregiver_id", 1),
        agency_id=d.get("agency_id", 1),
        starts_at=starts,
        ends_at=ts(d["ends_at"]) if "ends_at" in d else starts,
        status=d.get("status", "planned"),
        visit_id=d.get("visit_id"),
    )


def _enrolment_changes(rows) -> dict[int, tuple[f.EnrolmentChange, ...]]:
    out: dict[int, list] = {}
    for n, r in enumerate(rows, start=1):
        change = f.EnrolmentChange(
            r.get("id", n),
            r.get("caregiver_id", 1),
            ts(r["applied_at"]),
            r["past_selfies"],
            r.get("past_distance"),
            r.get("requested_by"),
            r.get("decided_by"),
        )
        out.setdefault(change.caregiver_id, []).append(change)
    return {k: tuple(v) for k, v in out.items()}


def build_subject(case: dict):
    subject = case["subject"]
    if isinstance(subject, list):
        return sorted((build_visit(v) for v in subject), key=lambda v: v.check_in_at)
    return build_visit(subject)


def load_case_files() -> list[tuple[str, dict]]:
    """Every case of every file, as (test id, case with its rule code)."""
    out = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append((f"{data['rule']}:{case['name']}", {**case, "rule": data["rule"]}))
    return out
