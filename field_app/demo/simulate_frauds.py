"""Every rule's fraud pattern, injected through the API on caregivers and clients of its own.

Each injection drives the visits a cheating caregiver (or agency) would send and records what the
rule library must find: the rule code and the visits its alert must name (``Expected``). Patterns
that need history (X06, X08, X09) use earlier days within the server's 30-day late-upload window;
registry patterns (R01-R04) import the other agencies' records through ``POST /api/v1/registry``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from field_app.demo import gps
from field_app.demo.simulate_visits import STRANGER, Scene, b64, stay_trail
from field_app.demo.simulate_world import SimCaregiver, SimClient

#: 180 yuan of daily-life care in 180 minutes: nine such visits pass the 1,500 yuan monthly cap
EXPENSIVE = ["L03", "L15", "L16", "L02", "L05", "L07", "L14"]


@dataclass(frozen=True)
class Expected:
    """An injected pattern: the rule that must fire, and the visits (uuids) its alert must name."""

    code: str
    visits: tuple[str, ...]
    subject: str = ""  #: prefix of the alert's subject key, when the subject is not the visit itself


@dataclass
class Truth:
    """The ground truth of a simulated day."""

    expected: list[Expected] = field(default_factory=list)
    honest: list[str] = field(default_factory=list)  #: uuids of honest visits
    injected: list[str] = field(default_factory=list)  #: uuids of every visit an injection made

    def expect(self, code: str, visits: list[str], subject: str = "") -> None:
        self.expected.append(Expected(code, tuple(visits), subject))


def next_agency(s: Scene) -> int:
    """The agencies take turns, so every agency has some of the frauds."""
    return s.world.agencies[len(s.world.caregivers) % len(s.world.agencies)]


def fresh_pair(s: Scene, **client_kw) -> tuple[SimCaregiver, SimClient]:
    """A fresh enrolled caregiver (not a nurse) and a fresh client of one agency."""
    agency = next_agency(s)
    return s.caregiver(agency), s.world.add_client(agency, **client_kw)


def injected_visit(s: Scene, t: Truth, *args, **kw) -> str:
    """``Scene.visit``, recorded as an injected (not honest) visit."""
    uuid = s.visit(*args, **kw)
    t.injected.append(uuid)
    return uuid


# --- faces -------------------------------------------------------------------------------------


def face_mismatch(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("F01", [injected_visit(s, t, cg, cl, s.at(9), faces_in=[STRANGER + cg.person])])


def face_unusable(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("F02", [injected_visit(s, t, cg, cl, s.at(9), faces_in=[-2])])  # two faces, never retaken


def selfie_reused(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    other = s.world.add_client(cl.agency_id)
    photo = s.api.selfie(cg.person)
    injected_visit(s, t, cg, cl, s.at(8, 30), selfie_in=photo)
    t.expect("F03", [injected_visit(s, t, cg, other, s.at(11), selfie_in=photo)])


def face_substitution(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    colleague = s.world.caregivers_of(cg.agency_id)[0]  # an honest colleague's face signs in
    t.expect(
        "X05", [injected_visit(s, t, cg, cl, s.at(9), faces_in=[colleague.person], face_out=colleague.person)]
    )


def enrolment_swap(s: Scene, t: Truth) -> None:
    """Three honest visits on earlier days, then a stranger's face enrolled onto her (the agency's
    swap: here by the simulation's admin, so it applies at once), then the stranger's visit, which
    now "matches". F04 must name the change and the stranger's visit."""
    cg, cl = fresh_pair(s)
    for days_before in (3, 2, 1):
        injected_visit(s, t, cg, cl, s.at(9, days_before=days_before))
    stranger = STRANGER + 500 + cg.person
    photos = [b64(s.api.selfie(stranger)) for _ in range(3)]
    s.api.post(f"/caregivers/{cg.id}/face-enrolments", {"photos": photos}, ok=(201,))
    uuid = injected_visit(s, t, cg, cl, s.at(9), faces_in=[stranger], face_out=stranger)
    t.expect("F04", [uuid], subject="enrolment_change:")


# --- GPS ---------------------------------------------------------------------------------------


def outside_geofence(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("G01", [injected_visit(s, t, cg, cl, s.at(9), where_in=gps.offset(*cl.home, 600, 0))])


def trail_outside(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    start = s.at(9)
    away = gps.offset(*cl.home, 800, 300)
    legs = [(cl.home, 0, 15), (away, 15, 55), (cl.home, 55, 90)]
    trail = [
        p
        for where, a, b in legs
        for p in stay_trail(s.rng, where, start + timedelta(minutes=a), start + timedelta(minutes=b))
    ]
    t.expect("G02", [injected_visit(s, t, cg, cl, start, minutes=90, trail=trail)])


def mock_location(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("G03", [injected_visit(s, t, cg, cl, s.at(10), mock=True)])


def gps_too_regular(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    start, spot = s.at(10), gps.offset(*cl.home, 12, -5)
    trail = [(*spot, 10.0, start + timedelta(minutes=k)) for k in range(1, 60)]
    t.expect("G04", [injected_visit(s, t, cg, cl, start, minutes=61, trail=trail, fixed_accuracy=10.0)])


def gps_teleport(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    start = s.at(10)
    trail = stay_trail(s.rng, cl.home, start, start + timedelta(minutes=70))
    far = gps.offset(*cl.home, 30_000, 0)
    trail[30] = (*far, 8.0, trail[30][3])  # one fix 30 km away, a minute from its neighbours
    t.expect("G05", [injected_visit(s, t, cg, cl, start, minutes=70, trail=trail)])


# --- time --------------------------------------------------------------------------------------


def too_short(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, plan=("L01", "L02", "L03", "L15"))
    t.expect(
        "T01", [injected_visit(s, t, cg, cl, s.at(9), codes=["L03", "L15"], minutes=20)]
    )  # 70 min of items


def too_long(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("T02", [injected_visit(s, t, cg, cl, s.at(8), minutes=300)])


def after_hours(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("T03", [injected_visit(s, t, cg, cl, s.at(20, 40))])


def never_checked_out(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("T04", [injected_visit(s, t, cg, cl, s.at(8), open_visit=True)])


def clock_skew(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    t.expect("T05", [injected_visit(s, t, cg, cl, s.at(9), clock_skew=-timedelta(hours=2))])


# --- items -------------------------------------------------------------------------------------


def item_outside_plan(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, plan=("L01", "L02", "L04", "L05"))
    t.expect("I01", [injected_visit(s, t, cg, cl, s.at(9), codes=["L01", "L16"])])


def medical_by_non_nurse(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s, plan=("L01", "L02", "M04"))
    t.expect("I02", [injected_visit(s, t, cg, cl, s.at(9), codes=["L01", "M04"])])


def family_denied(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    uuid = injected_visit(s, t, cg, cl, s.at(9))
    s.api.feedback(s.world.family_of(cl), uuid, confirmed=False, rating=1)  # "nobody came"
    t.expect("C01", [uuid])
