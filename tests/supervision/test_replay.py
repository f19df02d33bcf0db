"""Trail replay and a caregiver's day through the API, on a hand-made visit."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from field_app.api.replay import CaregiverDayOut, ReplayOut
from field_app.extensions import db
from field_app.geodesy import EARTH_RADIUS_M, haversine_m
from field_app.models import Alert, TrailPoint, Visit
from field_app.services.catalogue import load_catalogue
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 5, 8, 0, tzinfo=SH)
LAT, LNG = f.HOME
#: minute -> (status, northward offset in degrees): in, out for 20 minutes, uncertain, back in
TRAIL = {
    10: ("inside", 0.0),
    20: ("outside", 0.002),
    25: ("outside", 0.002),
    40: ("uncertain", 0.001),
    50: ("inside", 0.0),
}


def add_alert(visit: Visit, status: str, rule: str, at: datetime) -> None:
    alert = Alert(
        rule_code=rule,
        subject_type="visit",
        subject_key=f"{rule}:{visit.id}",
        severity="high",
        score=40,
        message=f"{rule} says so",
        evidence={},
        evidence_hash="0" * 64,
        status=status,
        agency_id=visit.agency_id,
        caregiver_id=visit.caregiver_id,
        occurred_at=at,
    )
    alert.visits.append(visit)
    db.session.add(alert)


@pytest.fixture
def world(app):
    with app.app_context():
        load_catalogue()
        a, b = f.add_agency("A"), f.add_agency("B")
        cg, cl = f.add_caregiver(a, "CGA"), f.add_client(a)
        visit_id = f.add_visit("replay-1", cg.id, cl.id, a.id, START, 60, items=("L01",))
        for minute, (status, dlat) in TRAIL.items():
            db.session.add(
                TrailPoint(
                    visit_id=visit_id,
                    fix_time=START + timedelta(minutes=minute),
                    lat=LAT + dlat,
                    lng=LNG,
                    datum="WGS84",
                    lat_wgs84=LAT + dlat,
                    lng_wgs84=LNG,
                    accuracy_m=8.0,
                    geofence_status=status,
                    distance_m=round(dlat * 111195, 1),
                )
            )
        add_alert(db.session.get(Visit, visit_id), "open", "G03", START)
        # the day: 07:00 (still 4 Oct in UTC), the replayed 08:00 visit, 09:30 a kilometre north; 00:30 next day
        f.add_visit("day-0", cg.id, cl.id, a.id, START - timedelta(hours=1), 40)
        f.add_visit("day-2", cg.id, cl.id, a.id, START + timedelta(minutes=90), 60, where=(LAT + 0.01, LNG))
        f.add_visit("day-next", cg.id, cl.id, a.id, START + timedelta(hours=16, minutes=30), 30)
        add_alert(db.session.get(Visit, visit_id), "cleared", "T02", START)
        tokens = {
            "auditor": f.token_for(f.add_user("auditor", agencies=[a])),
            "auditor_b": f.token_for(f.add_user("auditor", agencies=[b])),
        }
        db.session.commit()
        return {"caregiver": cg.id, "tokens": tokens}


def get(client, world, url, who="auditor"):
    f.sign_in(client, world["tokens"][who])
    return client.get(url)


def test_timeline_is_time_ordered_with_every_kind_of_entry(client, world):
    resp = get(client, world, "/api/v1/visits/replay-1/replay")
    assert resp.status_code == 200, resp.get_json()
    timeline = ReplayOut.model_validate(resp.get_json()).model_dump()["timeline"]
    assert [e["type"] for e in timeline] == [
        "check_in_attempt",
        "check_in",
        "item",
        "alert",
        "alert",
        "trail_point",
        "trail_point",
        "trail_point",
        "trail_point",
        "trail_point",
        "check_out_attempt",
        "check_out",
    ]
    attempt = timeline[0]
    assert (attempt["face_status"], attempt["face_distance"], attempt["face_threshold"]) == (
        "matched",
        0.3,
        0.5,
    )
    outside = timeline[6]
    assert (outside["time"], outside["geofence_status"], outside["distance_m"]) == (
        "2026-10-05T00:20:00Z",
        "outside",
        222.4,
    )
    # 0.002° north in the 10 minutes since the last fix: 222.39 m / 600 s
    assert outside["speed_mps"] == pytest.approx(math.radians(0.002) * EARTH_RADIUS_M / 600, abs=0.005)
    assert {e["rule_code"]: e["status"] for e in timeline if e["type"] == "alert"} == {
        "G03": "open",
        "T02": "cleared",
    }


def test_stay_statistics_by_hand(client, world):
    stats = get(client, world, "/api/v1/visits/replay-1/replay?gap_minutes=12").get_json()["stats"]
    # 0-10-20 inside, 20-25-40 outside, 40-50 uncertain, 50-60 inside
    assert (stats["inside_minutes"], stats["outside_minutes"], stats["uncertain_minutes"]) == (30, 20, 10)
    assert stats["longest_absence"] == {
        "start": "2026-10-05T00:20:00Z",
        "end": "2026-10-05T00:40:00Z",
        "minutes": 20,
    }
    assert stats["fixes"] == 7  # check-in, five trail points, check-out
    # 0.002° out, 0.001° back, 0.001° back: 0.004° of latitude
    assert stats["distance_m"] == pytest.approx(math.radians(0.004) * EARTH_RADIUS_M, abs=0.1)
    assert stats["gaps"] == [{"start": "2026-10-05T00:25:00Z", "end": "2026-10-05T00:40:00Z", "minutes": 15}]


def test_map_is_geojson_in_wgs84_or_converted_for_chinese_tiles(client, world):
    fc = get(client, world, "/api/v1/visits/replay-1/replay").get_json()["map"]
    kinds = [ft["properties"]["kind"] for ft in fc["features"]]
    assert kinds == ["home", "geofence", "trail", *["fix"] * 5, "check_in", "check_out"]
    home, fence, line = fc["features"][:3]
    assert home["geometry"]["coordinates"] == [LNG, LAT]
    assert len(fence["geometry"]["coordinates"][0]) == 65
    assert len(line["geometry"]["coordinates"]) == 7
    fix = fc["features"][4]["properties"]
    assert (fix["time"], fix["geofence_status"], fix["accuracy_m"]) == (
        "2026-10-05T00:20:00Z",
        "outside",
        8.0,
    )
    gcj = get(client, world, "/api/v1/visits/replay-1/replay?datum=GCJ02").get_json()["map"]
    (lng0, lat0), (lng1, lat1) = (
        home["geometry"]["coordinates"],
        gcj["features"][0]["geometry"]["coordinates"],
    )
    assert 400 < haversine_m(lat0, lng0, lat1, lng1) < 700 and gcj["datum"] == "GCJ02"
    marker = gcj["features"][-1]["geometry"]["coordinates"]  # the check-out at home moves with it
    assert haversine_m(lat1, lng1, marker[1], marker[0]) < 0.01


def test_bad_queries_and_other_agencies(client, world):
    for bad in ("?datum=WGS72", "?gap_minutes=0", "?gap_minutes=x"):
        assert get(client, world, f"/api/v1/visits/replay-1/replay{bad}").status_code == 422
    resp = get(client, world, "/api/v1/visits/replay-1/replay", "auditor_b")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "visit_not_found"


def test_a_caregivers_day_in_local_time_with_travel_between_visits(client, world):
    resp = get(client, world, f"/api/v1/caregivers/{world['caregiver']}/day?date=2026-10-05")
    assert resp.status_code == 200, resp.get_json()
    day = CaregiverDayOut.model_validate(resp.get_json()).model_dump()
    assert [v["visit_id"] for v in day["visits"]] == ["day-0", "replay-1", "day-2"]
    assert [v["duration_minutes"] for v in day["visits"]] == [40, 60, 60]
    assert [v["alert_count"] for v in day["visits"]] == [0, 1, 0]  # the cleared alert no longer counts
    first, second = day["travel"]
    assert (first["distance_m"], first["gap_minutes"], first["speed_kmh"]) == (0, 20, 0)
    # 0.01° north (1111.95 m) in the 30 minutes between 09:00 and 09:30: 2.2 km/h
    assert second["distance_m"] == pytest.approx(1111.95, abs=0.1)
    assert (second["gap_minutes"], second["speed_kmh"]) == (30, 2.2)
    resp = get(client, world, f"/api/v1/caregivers/{world['caregiver']}/day?date=2026-10-05", "auditor_b")
    assert resp.status_code == 404
    assert get(client, world, f"/api/v1/caregivers/{world['caregiver']}/day").status_code == 422
