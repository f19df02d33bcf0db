"""Models to JSON. Face encodings never leave the server: no serializer reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import FaceEnrolment, PerformedItem, TrailPoint, Visit, VisitAttempt
from field_app.rules.facts import FACE_MATCHED
from field_app.services.presence import attempt_presence, visit_presence
from field_app.timeutil import isoformat


def fix_json(row) -> dict[str, Any]:
    return {
        "lat": row.lat,
        "lng": row.lng,
        "datum": row.datum,
        "lat_wgs84": row.lat_wgs84,
        "lng_wgs84": row.lng_wgs84,
        "accuracy_m": row.accuracy_m,
        "time": isoformat(row.fix_time),
        "mock": row.mock,
    }


def attempt_json(a: VisitAttempt) -> dict[str, Any]:
    return {
        "attempt_id": a.uuid,
        "kind": a.kind,
        "received_at": isoformat(a.received_at),
        "device_id": a.device_id,
        "device_time": isoformat(a.device_time),
        "device_registered": a.device_registered,
        "fix": fix_json(a),
        "face": {
            "status": a.face_status,
            "matched": a.face_status == FACE_MATCHED,
            "distance": None if a.face_distance is None else round(a.face_distance, 4),
            "threshold": a.face_threshold,
        },
        "geofence": {"status": a.geofence_status, "distance_m": a.distance_m},
        "presence": attempt_presence(a),
    }


def point_json(p: TrailPoint) -> dict[str, Any]:
    return {
        **fix_json(p),
        "geofence_status": p.geofence_status,
        "distance_m": p.distance_m,
        "speed_mps": p.speed_mps,
        "received_at": isoformat(p.received_at),
    }


def item_json(i: PerformedItem) -> dict[str, Any]:
    return {
        "code": i.service_code,
        "started_at": isoformat(i.started_at),
        "ended_at": isoformat(i.ended_at),
        "in_care_plan": i.in_care_plan,
        "nurse_required": i.nurse_required,
    }


def visit_json(v: Visit, with_trail: bool = False) -> dict[str, Any]:
    minutes = None
    if v.check_out_at is not None:
        minutes = round((v.check_out_at - v.check_in_at).total_seconds() / 60, 1)
    out = {
        "visit_id": v.uuid,
        "caregiver_id": v.caregiver_id,
        "client_id": v.client_id,
        "agency_id": v.agency_id,
        "state": v.state,
        "verification_status": v.verification_status,
        "check_in_at": isoformat(v.check_in_at),
        "check_out_at": isoformat(v.check_out_at),
        "duration": {"minutes": minutes, "required_minutes": v.required_minutes, "status": v.duration_status},
        "attempts": [attempt_json(a) for a in v.attempts],
        "items": [item_json(i) for i in v.items],
        "presence": visit_presence(v),
    }
    if with_trail:
        points = db.session.scalars(
            select(TrailPoint).where(TrailPoint.visit_id == v.id).order_by(TrailPoint.fix_time)
        ).all()
        out["trail"] = [point_json(p) for p in points]
    return out


def enrolment_json(e: FaceEnrolment) -> dict[str, Any]:
    return {"enrolment_id": e.id, "created_at": isoformat(e.created_at)}


def family_visit_json(v: Visit) -> dict[str, Any]:
    """What the client's family may see of a visit: when, in what state, which care was done."""
    full = visit_json(v)
    return {
        key: full[key]
        for key in (
            "visit_id",
            "state",
            "verification_status",
            "check_in_at",
            "check_out_at",
            "duration",
            "items",
        )
    }
