"""Trail replay for auditors (轨迹回放): a visit's timeline, a GeoJSON map and its stay statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from field_app import i18n
from field_app.extensions import db
from field_app.models import Alert, Caregiver, TrailPoint, Visit, alert_visits
from field_app.models.alert import ALERT_CLEARED
from field_app.models.visit import CHECK_IN, CHECK_OUT
from field_app.rules.explain import alert_message
from field_app.services.checks import client_fence
from field_app.services.presence import attempt_presence, visit_presence
from field_app.supervision import geojson, travel
from field_app.supervision.dwell import Position, Span, dwell, ordered, speeds_mps
from field_app.supervision.periods import utc_bounds
from field_app.timeutil import isoformat

#: entries at the same instant keep this order: the visit opens, things happen, alerts come last
TYPE_ORDER = {
    "check_in_attempt": 0,
    "check_in": 1,
    "trail_point": 2,
    "item": 3,
    "check_out_attempt": 4,
    "check_out": 5,
    "alert": 6,
}


def visit_alerts(visit: Visit) -> list[Alert]:
    stmt = (
        select(Alert)
        .join(alert_visits, alert_visits.c.alert_id == Alert.id)
        .where(alert_visits.c.visit_id == visit.id)
        .order_by(Alert.id)
    )
    return list(db.session.scalars(stmt))


def _points(visit: Visit) -> list[TrailPoint]:
    stmt = select(TrailPoint).where(TrailPoint.visit_id == visit.id).order_by(TrailPoint.fix_time)
    return list(db.session.scalars(stmt))


def _positions(visit: Visit, points: list[TrailPoint]) -> list[Position]:
    """Trail points first (they win a shared instant), then every attempt's fix."""
    rows = [*points, *visit.attempts]
    return ordered(
        [Position(r.fix_time, r.lat_wgs84, r.lng_wgs84, r.geofence_status, r.accuracy_m) for r in rows]
    )


def _speed_at(positions: list[Position]) -> dict:
    return dict(zip((p.at for p in positions), speeds_mps(positions), strict=True))


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _attempt_entry(a) -> dict[str, Any]:
    return {
        "type": f"{a.kind}_attempt",
        "attempt_id": a.uuid,
        "face_status": a.face_status,
        "face_distance": _round(a.face_distance, 4),
        "face_threshold": a.face_threshold,
        "geofence_status": a.geofence_status,
        "distance_m": round(a.distance_m, 1),
        "accuracy_m": a.accuracy_m,
        "presence": attempt_presence(a),
    }


def _timeline(
    visit: Visit, points, speeds: dict, alerts: list[Alert], datum: str, lang: str
) -> list[dict[str, Any]]:
    entries = [(a.fix_time, _attempt_entry(a)) for a in visit.attempts]
    entries.append((visit.check_in_at, {"type": "check_in"}))
    for p in points:
        lng, lat = geojson.coords(p.lat_wgs84, p.lng_wgs84, datum)
        entries.append(
            (
                p.fix_time,
                {
                    "type": "trail_point",
                    "lat": lat,
                    "lng": lng,
                    "accuracy_m": p.accuracy_m,
                    "speed_mps": _round(speeds.get(p.fix_time)),
                    "distance_m": round(p.distance_m, 1),
                    "geofence_status": p.geofence_status,
                },
            )
        )
    entries += [
        (
            i.started_at,
            {
                "type": "item",
                "code": i.service_code,
                "ended_at": isoformat(i.ended_at),
                "in_care_plan": i.in_care_plan,
            },
        )
        for i in visit.items
    ]
    if visit.check_out_at is not None:
        entries.append((visit.check_out_at, {"type": "check_out"}))
    entries += [
        (
            a.occurred_at or a.first_seen_at,
            {
                "type": "alert",
                "alert_id": a.id,
                "rule_code": a.rule_code,
                "message": alert_message(lang, a),
                "status": a.status,
                "score": a.score,
            },
        )
        for a in alerts
    ]
    entries.sort(key=lambda e: (e[0], TYPE_ORDER[e[1]["type"]]))
    return [
        {"type": e["type"], "time": isoformat(at), **{k: v for k, v in e.items() if k != "type"}}
        for at, e in entries
    ]


def _map(visit: Visit, points, positions: list[Position], speeds: dict, datum: str) -> dict[str, Any]:
    client = visit.client
    features = [
        geojson.point(client.home_lat_wgs84, client.home_lng_wgs84, datum, kind="home", client_id=client.id),
        geojson.fence_polygon(
            client_fence(client),
            datum,
            kind="geofence",
            radius_m=client.fence_radius_m,
            drawn_polygon=client.fence_polygon_wgs84 is not None,
        ),
        geojson.line([(p.lat, p.lng) for p in positions], datum, kind="trail"),
    ]
    features += [
        geojson.point(
            p.lat_wgs84,
            p.lng_wgs84,
            datum,
            kind="fix",
            time=isoformat(p.fix_time),
            accuracy_m=p.accuracy_m,
            geofence_status=p.geofence_status,
            speed_mps=_round(speeds.get(p.fix_time)),
        )
        for p in points
    ]
    features += [
        geojson.point(
            a.lat_wgs84,
            a.lng_wgs84,
            datum,
            kind=a.kind,
            time=isoformat(a.fix_time),
            face_status=a.face_status,
            geofence_status=a.geofence_status,
        )
        for a in visit.attempts
    ]
    return geojson.collection(features, datum)


def _span(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"start": isoformat(span.start), "end": isoformat(span.end), "minutes": round(span.minutes, 2)}


def _stats(positions: list[Position], gap_minutes: float) -> dict[str, Any]:
    s = dwell(positions, gap_minutes)
    return {
        "inside_minutes": round(s.inside_minutes, 2),
        "outside_minutes": round(s.outside_minutes, 2),
        "uncertain_minutes": round(s.uncertain_minutes, 2),
        "longest_absence": _span(s.longest_absence),
        "distance_m": round(s.distance_m, 1),
        "fixes": s.fixes,
        "gap_limit_minutes": gap_minutes,
        "gaps": [_span(g) for g in s.gaps],
    }


def replay(visit: Visit, datum: str, gap_minutes: float, lang: str = i18n.DEFAULT) -> dict[str, Any]:
    """Everything an auditor needs to replay one visit; alert sentences in ``lang``."""
    points = _points(visit)
    positions = _positions(visit, points)
    speeds = _speed_at(positions)
    return {
        "visit_id": visit.uuid,
        "caregiver_id": visit.caregiver_id,
        "client_id": visit.client_id,
        "agency_id": visit.agency_id,
        "state": visit.state,
        "verification_status": visit.verification_status,
        "timeline": _timeline(visit, points, speeds, visit_alerts(visit), datum, lang),
        "map": _map(visit, points, positions, speeds, datum),
        "stats": _stats(positions, gap_minutes),
        "presence": visit_presence(visit),
    }


def alert_counts(visit_ids: list[int]) -> dict[int, int]:
    """Alerts per visit that still stand as found (cleared ones the scanner no longer sees)."""
    if not visit_ids:
        return {}
    stmt = (
        select(alert_visits.c.visit_id, func.count())
        .join(Alert, Alert.id == alert_visits.c.alert_id)
        .where(alert_visits.c.visit_id.in_(visit_ids), Alert.outcome == "hit", Alert.status != ALERT_CLEARED)
        .group_by(alert_visits.c.visit_id)
    )
    return {visit_id: n for visit_id, n in db.session.execute(stmt)}


def _end_fix(visit: Visit, kind: str) -> tuple[float, float] | None:
    """The check-in's first fix (it set check_in_at) or the check-out's last one (it closed the visit)."""
    attempts = visit.attempts_of(kind)
    if not attempts:
        return None
    a = attempts[0] if kind == CHECK_IN else attempts[-1]
    return a.lat_wgs84, a.lng_wgs84


def _day_visit(v: Visit, alerts: int) -> dict[str, Any]:
    minutes = (
        None if v.check_out_at is None else round((v.check_out_at - v.check_in_at).total_seconds() / 60, 1)
    )
    return {
        "visit_id": v.uuid,
        "client_id": v.client_id,
        "state": v.state,
        "check_in_at": isoformat(v.check_in_at),
        "check_out_at": isoformat(v.check_out_at),
        "duration_minutes": minutes,
        "verification_status": v.verification_status,
        "alert_count": alerts,
    }


def _travel(prev: Visit, nxt: Visit) -> dict[str, Any]:
    fix_in = _end_fix(nxt, CHECK_IN) or (nxt.client.home_lat_wgs84, nxt.client.home_lng_wgs84)
    leg = travel.leg(prev.check_out_at, _end_fix(prev, CHECK_OUT), nxt.check_in_at, fix_in)
    return {
        "from_visit_id": prev.uuid,
        "to_visit_id": nxt.uuid,
        "distance_m": _round(leg.distance_m, 1),
        "gap_minutes": _round(leg.gap_minutes, 1),
        "speed_kmh": _round(leg.speed_kmh, 1),
    }


def caregiver_day(caregiver: Caregiver, day: date, tz: str) -> dict[str, Any]:
    """A caregiver's visits on one local day, and the travel between consecutive ones."""
    start, end = utc_bounds(day, day, tz)
    visits = list(
        db.session.scalars(
            select(Visit)
            .where(Visit.caregiver_id == caregiver.id, Visit.check_in_at >= start, Visit.check_in_at < end)
            .order_by(Visit.check_in_at, Visit.id)
        )
    )
    counts = alert_counts([v.id for v in visits])
    return {
        "caregiver_id": caregiver.id,
        "date": day.isoformat(),
        "timezone": tz,
        "visits": [_day_visit(v, counts.get(v.id, 0)) for v in visits],
        "travel": [_travel(a, b) for a, b in zip(visits, visits[1:], strict=False)],
    }
