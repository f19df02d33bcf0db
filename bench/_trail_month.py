"""The synthetic month of bench/trail_table.py: its shape (Month) and the server-side SQL that stores it.

Bulk visit g (1-based, in check-in order) is a closed visit of 60 points a minute apart, sent in 3 uploads
of 20; coordinates, accuracy etc. vary per point but are computed, not random, so reruns match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

POINTS, UPLOADS = 60, 3  #: a point a minute, sent in 3 uploads of 20
TZ = ZoneInfo("Asia/Shanghai")

#: the columns of the rows services/trail.py hands to the upsert, in its order
COLUMNS = (
    "visit_id",
    "fix_time",
    "lat",
    "lng",
    "datum",
    "lat_wgs84",
    "lng_wgs84",
    "accuracy_m",
    "mock",
    "altitude_m",
    "speed_mps",
    "bearing_deg",
    "geofence_status",
    "distance_m",
    "received_at",
)

CHECK_IN = (
    "%(start)s::timestamptz + ((g - 1) / %(per_day)s) * interval '1 day'"
    " + mod(g - 1, %(per_day)s) * %(spacing_ms)s * interval '1 millisecond'"
)
CLIENT = "(1 + mod(g, %(clients)s))"
HOME = ("30.70 + mod({c}::bigint * 7919, 10007) * 1e-5", "120.70 + mod({c}::bigint * 104729, 10009) * 1e-5")

SETUP_SQL = (
    "INSERT INTO agencies (id, code, name, created_at) SELECT a, 'TRAIL-' || a, 'Bench agency ' || a, now()"
    " FROM generate_series(1, %(agencies)s) a",
    "INSERT INTO caregivers (id, agency_id, code, name, is_nurse, active, created_at)"
    " SELECT c, 1 + mod(c, %(agencies)s), 'TCG' || c, 'Caregiver ' || c, mod(c, 3) = 0, true, now()"
    " FROM generate_series(1, %(caregivers)s) c",
    "INSERT INTO clients (id, agency_id, insured_id, name, home_lat, home_lng, home_datum, home_lat_wgs84,"
    " home_lng_wgs84, fence_radius_m, trail_consent, status, created_at)"
    " SELECT c, 1 + mod(c, %(agencies)s), 'T' || c, 'Client ' || c, {lat}, {lng}, 'WGS84', {lat}, {lng}, 100,"
    " true, 'active', now() FROM generate_series(1, %(clients)s) c".format(
        lat=HOME[0].format(c="c"), lng=HOME[1].format(c="c")
    ),
)

VISITS_SQL = f"""
INSERT INTO visits (id, uuid, caregiver_id, client_id, agency_id, state, verification_status, check_in_at,
                    check_out_at, duration_status, required_minutes, created_at, changed_at)
SELECT g + %(offset)s, 'trail-bench-' || g, 1 + mod(g, %(caregivers)s), {CLIENT}, 1 + mod(g, %(agencies)s),
       'closed', 'verified', t, t + {POINTS} * interval '1 minute', 'ok', {POINTS}, t, t + {POINTS} * interval '1 minute'
FROM generate_series(%(g0)s::bigint, %(g1)s::bigint) g CROSS JOIN LATERAL (SELECT {CHECK_IN} AS t) x"""

#: today's open visits, as the check-in service leaves them before the first trail batch
TODAY_SQL = """
INSERT INTO visits (id, uuid, caregiver_id, client_id, agency_id, state, verification_status, check_in_at,
                    created_at, changed_at)
SELECT v, 'trail-today-' || v, 1 + mod(v, %(caregivers)s), 1 + mod(v, %(clients)s), 1 + mod(v, %(agencies)s),
       'open', 'pending', %(at)s, %(at)s, %(at)s
FROM generate_series(%(v0)s::int, %(v1)s::int) v"""

# Uploads of the chunk's visits sorted by arrival, then their 20 points each (a LATERAL nested loop keeps
# that order); coordinates, accuracy etc. vary per point but are computed, not random, so reruns match.
POINTS_SQL = f"""
INSERT INTO trail_points ({", ".join(COLUMNS)})
SELECT b.g + %(offset)s, b.t + j * interval '1 minute', p.lat, p.lng, 'WGS84', p.lat, p.lng,
       5 + mod(b.g * 31 + j * 17, 21), false, 12 + mod(j, 7), mod(j * 13, 15) / 10.0, mod(b.g + j * 37, 360),
       CASE WHEN mod(b.g * 7 + j, 50) = 0 THEN 'outside' ELSE 'inside' END, mod(b.g + j * 11, 90) + 0.5,
       b.t + (b.k + 1) * {POINTS // UPLOADS} * interval '1 minute'
FROM (SELECT g, k, t, {HOME[0].format(c=CLIENT)} AS hlat, {HOME[1].format(c=CLIENT)} AS hlng
      FROM generate_series(%(g0)s::bigint, %(g1)s::bigint) g
      CROSS JOIN LATERAL (SELECT {CHECK_IN} AS t) x CROSS JOIN generate_series(0, {UPLOADS - 1}) k
      ORDER BY t + k * {POINTS // UPLOADS} * interval '1 minute', g) b
CROSS JOIN LATERAL generate_series(b.k * {POINTS // UPLOADS}, (b.k + 1) * {POINTS // UPLOADS} - 1) j
CROSS JOIN LATERAL (SELECT b.hlat + 1e-4 * sin(b.g * 12.9898 + j * 78.233) AS lat,
                           b.hlng + 1e-4 * cos(b.g * 4.1414 + j * 39.346) AS lng) p"""


@dataclass(frozen=True)
class Month:
    """Where bulk visit g (1-based, in check-in order) falls: day (g - 1) // per_day, spaced over 07:00-19:00."""

    visits: int
    days: int
    start: datetime  #: 07:00 Asia/Shanghai of the first day, in UTC

    @property
    def per_day(self) -> int:
        return math.ceil(self.visits / self.days)

    @property
    def spacing_ms(self) -> int:
        return 12 * 3600 * 1000 // self.per_day

    def counts(self) -> dict[str, int]:
        """Agencies of ~500 caregivers doing 4 visits a day, one client per visit of a day."""
        caregivers = max(1, self.per_day // 4)
        return {"agencies": max(1, caregivers // 500), "caregivers": caregivers, "clients": self.per_day}

    def params(self) -> dict:
        return {"start": self.start, "per_day": self.per_day, "spacing_ms": self.spacing_ms, **self.counts()}

    def check_in(self, g: int) -> datetime:
        return self.start + timedelta(
            days=(g - 1) // self.per_day, milliseconds=(g - 1) % self.per_day * self.spacing_ms
        )


def first_morning(days: int) -> datetime:
    local = datetime.now(TZ).date() - timedelta(days=days)
    return datetime(local.year, local.month, local.day, 7, tzinfo=TZ).astimezone(UTC)
