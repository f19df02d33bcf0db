"""Schedule patterns (S01-S05) for the simulated day: plans with a schedule and planned visits.

The simulated world's plans have no schedule and no assigned caregivers, so its honest visits are
quiet for these rules; each pattern here gives a fresh client a scheduled plan (and planned visits where
the pattern needs them), then makes or skips the visits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from field_app.demo.simulate_frauds import Truth, fresh_pair, injected_visit
from field_app.demo.simulate_visits import Scene
from field_app.extensions import db
from field_app.models import CarePlan, CarePlanCaregiver, PlannedVisit


def _schedule(s: Scene, client_id: int, days=(1, 3, 5), caregivers: tuple[int, ...] = ()) -> int:
    """Give the client's plan a schedule (and assigned caregivers); returns the plan's id."""
    with s.world.app.app_context():
        plan = db.session.scalars(select(CarePlan).where(CarePlan.client_id == client_id)).first()
        plan.visit_days, plan.visit_time, plan.visit_minutes = list(days), "09:00", 60
        plan.visits_per_week = len(days)
        for n, caregiver_id in enumerate(caregivers):
            plan.assignments.append(
                CarePlanCaregiver(caregiver_id=caregiver_id, role="primary" if n == 0 else "substitute")
            )
        db.session.commit()
        return plan.id


def _planned(s: Scene, caregiver, client, plan_id: int, starts: datetime) -> None:
    with s.world.app.app_context():
        db.session.add(
            PlannedVisit(
                slot_key=f"sim:{client.id}:{starts:%Y%m%d%H%M}",
                client_id=client.id,
                caregiver_id=caregiver.id,
                agency_id=client.agency_id,
                care_plan_id=plan_id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
            )
        )
        db.session.commit()


def missed_visit(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    _planned(s, cg, cl, _schedule(s, cl.id, caregivers=(cg.id,)), s.at(10))
    t.expect("S01", [], "planned_visit:")


def late_arrival(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    _planned(s, cg, cl, _schedule(s, cl.id, caregivers=(cg.id,)), s.at(9))
    t.expect("S02", [injected_visit(s, t, cg, cl, s.at(10, 5))])


def caregiver_not_assigned(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    other = s.caregiver(cl.agency_id)
    _schedule(s, cl.id, days=(), caregivers=(other.id,))
    t.expect("S03", [injected_visit(s, t, cg, cl, s.at(11))])


def unplanned_visit(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    _schedule(s, cl.id, caregivers=(cg.id,))
    t.expect("S04", [injected_visit(s, t, cg, cl, s.at(15))])


def frequency_not_delivered(s: Scene, t: Truth) -> None:
    cg, cl = fresh_pair(s)
    _schedule(s, cl.id, days=(1, 3, 5), caregivers=(cg.id,))
    week_ago = s.day - timedelta(days=7)
    monday = week_ago - timedelta(days=week_ago.weekday())
    visit = injected_visit(s, t, cg, cl, s.at(10, days_before=(s.day - monday).days))
    year, week, _ = monday.isocalendar()
    t.expect("S05", [visit], f"client_week:{cl.id}:{year}-W{week:02d}")


INJECTIONS = (missed_visit, late_arrival, caregiver_not_assigned, unplanned_visit, frequency_not_delivered)
