"""Fraud patterns across visits (X01-X09) and against other agencies' registries (R01-R05).

The per-visit frauds live in ``simulate_frauds``; ``inject_all`` runs both lists.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from field_app.demo import gps
from field_app.demo import simulate_frauds as fr
from field_app.demo.simulate_frauds import EXPENSIVE, Truth, fresh_pair, injected_visit, next_agency
from field_app.demo.simulate_visits import Scene, stay_trail
from field_app.demo.simulate_world import JIAXING


def _days_before(s: Scene, day: date) -> int:
    return (s.day - day).days


def _key(prefix: str, *parts: object) -> str:
    return ":".join([prefix, *map(str, parts)])


def overlapping(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    other = s.world.add_client(cl.agency_id)
    first = injected_visit(s, t, cg, cl, s.at(9), minutes=90)
    second = injected_visit(
        s, t, cg, other, s.at(10), minutes=60
    )  # checked in 30 minutes before leaving the first
    t.expect("X01", [first, second], _key("caregiver_day", cg.id, s.day))


def impossible_travel(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    far = s.world.add_client(cl.agency_id, home=gps.offset(*cl.home, 20_000, 0))
    first = injected_visit(s, t, cg, cl, s.at(9), minutes=60)
    second = injected_visit(s, t, cg, far, s.at(10, 5))  # 20 km in 5 minutes
    t.expect("X02", [first, second], _key("caregiver_day", cg.id, s.day))


def long_day(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    clients = [cl, *(s.world.add_client(cl.agency_id) for _ in range(2))]
    starts = [s.at(6), s.at(10, 15), s.at(14, 30)]
    visits = [
        injected_visit(s, t, cg, c, at, minutes=235) for c, at in zip(clients, starts, strict=True)
    ]  # 11.75 h
    t.expect("X03", visits, _key("caregiver_day", cg.id, s.day))


def shared_device(s: Scene, t: Truth) -> None:
    owner, cl = fresh_pair(s)
    borrower = s.caregiver(owner.agency_id, also_device=owner.device_id)  # the phone is registered to both
    other = s.world.add_client(owner.agency_id)
    first = injected_visit(s, t, owner, cl, s.at(9))
    second = injected_visit(s, t, borrower, other, s.at(14), device_id=owner.device_id)
    t.expect("X04", [first, second], _key("device_day", owner.device_id))


def minimum_pattern(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, visits_per_week=5)
    clients = [cl, *(s.world.add_client(cl.agency_id, visits_per_week=5) for _ in range(3))]
    visits = []
    for k in range(12):  # twelve visits in twelve days, each ending 0.3-2.5 min above the minimum
        client = clients[k % 4]
        codes = s.daily_codes(client, 2)
        minutes = s.required(codes) + s.rng.uniform(0.3, 2.5)
        visits.append(
            injected_visit(s, t, cg, client, s.at(10, days_before=11 - k), codes=codes, minutes=minutes)
        )
    t.expect("X06", visits, _key("caregiver_period", cg.id))


def one_spot(s: Scene, t: Truth) -> None:
    office = gps.offset(*JIAXING, 7000, 7000)  # the agency's office, beyond every honest client's home
    visits = []
    for k in range(3):
        cg, cl = fresh_pair(s)
        start = s.at(8, 20 * k)
        end = start + timedelta(minutes=70)
        visits.append(
            injected_visit(
                s,
                t,
                cg,
                cl,
                start,
                minutes=70,
                where_in=office,
                where_out=office,
                trail=stay_trail(s.rng, office, start, end),
            )
        )
    t.expect("X07", visits, "spot_day:")


def weekly_frequency(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, visits_per_week=2)
    week_ago = s.day - timedelta(days=7)
    monday = week_ago - timedelta(days=week_ago.weekday())  # a whole ISO week in the past
    days = [monday, monday + timedelta(days=2), monday + timedelta(days=4)]
    visits = [injected_visit(s, t, cg, cl, s.at(10, days_before=_days_before(s, d))) for d in days]
    year, week, _ = monday.isocalendar()
    t.expect("X08", visits, _key("client_week", cl.id, f"{year}-W{week:02d}"))


def _month_days(s: Scene, count: int) -> list[date]:
    """``count`` days spread over the calendar month with most days in the last four weeks."""
    window = [s.day - timedelta(days=k) for k in range(28)]
    month = Counter((d.year, d.month) for d in window).most_common(1)[0][0]
    days = sorted(d for d in window if (d.year, d.month) == month)
    step = len(days) / count
    return [days[int(k * step)] for k in range(count)]


def monthly_cap(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, plan=tuple(EXPENSIVE), visits_per_week=7)
    days = _month_days(s, 9)
    visits = [
        injected_visit(
            s,
            t,
            cg,
            cl,
            s.at(9, days_before=_days_before(s, d)),
            codes=list(EXPENSIVE),
            minutes=s.required(EXPENSIVE) + s.rng.uniform(10, 30),
        )
        for d in days
    ]
    t.expect("X09", visits, _key("client_month", cl.id, f"{days[0]:%Y-%m}"))


def _registry_visit(s: Scene, t: Truth, code: str, kind: str, row: dict, **pair_kw) -> None:
    """A visit on the simulated day, and a registry record (keyed by the client) contradicting it."""
    cg, cl = fresh_pair(s, **pair_kw)
    uuid = injected_visit(s, t, cg, cl, s.at(9))
    s.api.registry(kind, [{"insured_id": cl.insured_id, **row}])
    t.expect(code, [uuid])


def hospital_stay(s: Scene, t: Truth) -> None:
    admitted = s.day - timedelta(days=3)
    _registry_visit(
        s, t, "R01", "hospital_stays", {"admitted_on": admitted.isoformat(), "hospital": "嘉兴市第一医院"}
    )


def after_death(s: Scene, t: Truth) -> None:
    _registry_visit(s, t, "R02", "deaths", {"died_on": (s.day - timedelta(days=2)).isoformat()})


def grade_lapsed(s: Scene, t: Truth) -> None:
    _registry_visit(
        s, t, "R04", "grades", {"effective_on": (s.day - timedelta(days=5)).isoformat(), "grade": ""}
    )


def certificate_expired(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    uuid = injected_visit(s, t, cg, cl, s.at(9))
    s.api.registry(
        "certificates",
        [
            {
                "caregiver_code": cg.code,
                "certificate_no": f"ZJ-HL-R{cg.person:05d}",
                "valid_from": (s.day - timedelta(days=400)).isoformat(),
                "valid_until": (s.day - timedelta(days=10)).isoformat(),
            }
        ],
    )
    t.expect("R03", [uuid])


def family_caregiver(s: Scene, t: Truth) -> None:
    agency, home = next_agency(s), "嘉兴市南湖区模拟路88号3幢301室"
    cg = s.caregiver(agency, address_key=home)
    cl = s.world.add_client(agency, address_key=home)
    t.expect("R05", [injected_visit(s, t, cg, cl, s.at(9))])


INJECTIONS = (
    fr.face_mismatch,
    fr.face_unusable,
    fr.selfie_reused,
    fr.outside_geofence,
    fr.trail_outside,
    fr.mock_location,
    fr.gps_too_regular,
    fr.gps_teleport,
    fr.too_short,
    fr.too_long,
    fr.after_hours,
    fr.never_checked_out,
    fr.clock_skew,
    fr.item_outside_plan,
    fr.medical_by_non_nurse,
    overlapping,
    impossible_travel,
    long_day,
    shared_device,
    fr.face_substitution,
    fr.enrolment_swap,
    minimum_pattern,
    one_spot,
    weekly_frequency,
    monthly_cap,
    hospital_stay,
    after_death,
    certificate_expired,
    grade_lapsed,
    family_caregiver,
    fr.family_denied,
)


def inject_all(scene: Scene, truth: Truth) -> None:
    """Inject every pattern, in rule-code order."""
    for inject in INJECTIONS:
        inject(scene, truth)
