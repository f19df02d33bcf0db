"""Detection quality of a simulated day on the REAL face engine: per-rule precision and recall, and the
honest visits that end unpaid.

The day is ``field_app.demo.simulate`` (the world of ``tests/scanning/test_simulated_day.py``: three
agencies, phone GPS noise, GCJ-02 phones, late, reversed and duplicate trail uploads, the legitimate
look-alikes, one injection of every rule's pattern), driven through the public API on a fresh SQLite
database, then scanned. What differs from the CI day:

- the first caregivers of each agency are **real people** from ``../shared/faces`` (``--real``, up to
  8: everyone with two or more photos), enrolled from 3 photos and checking in with distinct selfies
  (held-out photos first, then derived frames: ``field_app.demo.real_faces``), judged by dlib; the
  other caregivers keep synthetic faces (there are not enough real people for 60 caregivers without
  two caregivers sharing one face, which X05 would rightly flag);
- a caregiver whose own face fails retakes it, as the app asks, up to ``FIELD_APP_FACE_MAX_ATTEMPTS``.

An honest visit counts against precision when it ends unpaid: not ``verified`` (``unverified``,
``needs_review``, still open) or named by a hit alert (an open alert withholds its pay).

Run: .venv/bin/python bench/detection.py [--caregivers-per-agency 10] [--clients-per-agency 25] [--real 8]
The last line holds the headline figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from sqlalchemy import event, select  # noqa: E402

from field_app import create_app  # noqa: E402
from field_app.demo.faces import SHARED_FACES  # noqa: E402
from field_app.demo.real_faces import GENUINE, CompositeFaceEngine, RealFaceSource  # noqa: E402
from field_app.demo.simulate import score, simulate_day  # noqa: E402
from field_app.extensions import db  # noqa: E402
from field_app.models import Alert, Caregiver, Visit, VisitAttempt, alert_visits  # noqa: E402
from field_app.rules.base import HIT  # noqa: E402
from field_app.scanning import jobs  # noqa: E402
from field_app.timeutil import now_utc  # noqa: E402

LIVE = ("open", "in_review", "escalated", "confirmed")  #: alert statuses that withhold pay


def make_app(path: Path):
    from flask_migrate import upgrade

    logging.disable(logging.INFO)  # one line per request would drown the figures
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
    app.extensions["face_engine"] = CompositeFaceEngine()
    return app


def assign_real_people(source: RealFaceSource, args) -> dict[int, str]:
    """The first caregivers of each agency (persons as ``World`` numbers them) become real people."""
    stride = args.caregivers_per_agency + args.clients_per_agency  # caregivers, then clients, per agency
    chosen = {}
    for k, name in enumerate(GENUINE[: args.real]):
        agency, slot = k % 3, k // 3
        person = agency * stride + slot + 1
        source.assign(person, name)
        chosen[person] = name
    return chosen


def outcomes(truth) -> tuple[dict[str, str], dict[str, list[str]], Counter, Counter]:
    """Per honest visit: its verification status and the live hit alerts naming it; per rule: hit
    alerts and hit alerts naming an injected visit."""
    honest, injected = set(truth.honest), set(truth.injected)
    status = {u: s for u, s in db.session.execute(select(Visit.uuid, Visit.verification_status))}
    named: dict[int, set[str]] = defaultdict(set)
    for alert_id, uuid in db.session.execute(
        select(alert_visits.c.alert_id, Visit.uuid).join(Visit, Visit.id == alert_visits.c.visit_id)
    ):
        named[alert_id].add(uuid)
    alerted: dict[str, list[str]] = defaultdict(list)
    hits, on_frauds = Counter(), Counter()
    for alert_id, code, state in db.session.execute(
        select(Alert.id, Alert.rule_code, Alert.status).where(Alert.outcome == HIT)
    ):
        hits[code] += 1
        on_frauds[code] += bool(named[alert_id] & injected)
        for uuid in named[alert_id] & honest:
            if state in LIVE:
                alerted[uuid].append(code)
    return {u: status.get(u, "missing") for u in honest}, alerted, hits, on_frauds


def real_face_figures(people: dict[int, str]) -> list[str]:
    """Distances of the real caregivers' own-face attempts, and how many attempts each end took."""
    codes = {f"SIM{p:04d}": name for p, name in people.items()}
    rows = db.session.execute(
        select(Caregiver.code, VisitAttempt.face_status, VisitAttempt.face_distance, VisitAttempt.kind)
        .join(Caregiver, Caregiver.id == VisitAttempt.caregiver_id)
        .where(Caregiver.code.in_(list(codes)))
    ).all()
    matched = [d for _, s, d, _ in rows if s == "matched"]
    failed = [(codes[c], s, d) for c, s, d, _ in rows if s != "matched"]
    lines = [
        f"real-faced caregivers: {len(codes)} ({', '.join(sorted(codes.values()))}); {len(rows)} attempts"
    ]
    if matched:
        lines.append(
            f"  matched: {len(matched)}, distance median {sorted(matched)[len(matched) // 2]:.3f}, max {max(matched):.3f}"
        )
    for name, status, distance in failed:
        lines.append(f"  not matched: {name} {status} {'' if distance is None else f'{distance:.3f}'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--caregivers-per-agency", type=int, default=10)
    parser.add_argument("--clients-per-agency", type=int, default=25)
    parser.add_argument("--real", type=int, default=len(GENUINE), help="real-faced caregivers (≤ 8)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not (SHARED_FACES / "people").is_dir():
        sys.exit(f"{SHARED_FACES} is absent: this bench needs the real photos")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp) / "detection.db")
        source = RealFaceSource()
        people = assign_real_people(source, args)
        truth = simulate_day(
            app,
            seed=args.seed,
            caregivers_per_agency=args.caregivers_per_agency,
            clients_per_agency=args.clients_per_agency,
            face_source=source,
            retry_faces=app.config["FACE_MAX_ATTEMPTS"],
        )
        driven = time.perf_counter() - started
        tz = ZoneInfo(app.config["TIMEZONE"])
        with app.app_context():
            since = datetime.now(tz).replace(hour=0, minute=0) - timedelta(days=32)
            run = jobs.scan("manual", since=since, until=now_utc())
            assert run is not None and run.errors == [], run and run.errors
            result = score(truth)
            status, alerted, hits, on_frauds = outcomes(truth)
            faces = real_face_figures(people)
            why = reasons([u for u, s in status.items() if s != "verified" or alerted.get(u)])
        derived = sum(p.derived for p in source.people.values())
        handed = sum(p.visits for p in source.people.values())
        report(truth, result, status, alerted, hits, on_frauds, faces, derived, handed, driven, started, why)


def reasons(uuids) -> dict[str, str]:
    """A short why for each unpaid honest visit: its live alerts' messages, or its attempts' outcomes."""
    out = {}
    for uuid in uuids:
        visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid))
        attempts = "; ".join(
            f"{a.kind} {a.face_status} {a.geofence_status} {a.accuracy_m:.0f} m" for a in visit.attempts
        )
        messages = " | ".join(
            a.message
            for a in db.session.scalars(
                select(Alert)
                .join(alert_visits, alert_visits.c.alert_id == Alert.id)
                .where(alert_visits.c.visit_id == visit.id, Alert.outcome == HIT)
            )
        )
        out[uuid] = f"[{attempts}] {messages}"
    return out


def report(
    truth, result, status, alerted, hits, on_frauds, faces, derived, handed, driven, started, why
) -> None:
    print(
        f"simulated day: {len(truth.honest)} honest + {len(truth.injected)} injected visits, driven in {driven:.0f} s"
    )
    print("\n".join(faces))
    print(
        f"  real-faced visits: {handed} (each check-in a held-out photo); derived frames (check-outs, retakes): {derived}"
    )
    expected = Counter(e.code for e in truth.expected)
    caught = Counter(e.code for e in result.caught)
    print(f"\n{'rule':5} {'recall':>9} {'hits':>5} {'precision':>9}  honest visits alerted")
    flagged_by_rule = Counter(code for codes in alerted.values() for code in set(codes))
    for code in sorted(set(expected) | set(hits)):
        recall = f"{caught[code]}/{expected[code]}" if expected[code] else "-"
        precision = f"{on_frauds[code] / hits[code]:.3f}" if hits[code] else "-"
        print(f"{code:5} {recall:>9} {hits[code]:5d} {precision:>9}  {flagged_by_rule[code] or ''}")
    unpaid = {u: (s, alerted.get(u, [])) for u, s in status.items() if s != "verified" or alerted.get(u)}
    print(f"\nhonest visits that end unpaid (not verified, or named by a live alert): {len(unpaid)}")
    for uuid, (state, codes) in sorted(unpaid.items()):
        print(f"  {uuid}: {state} {','.join(codes)} {why.get(uuid, '')}")
    precision = 1 - len(unpaid) / max(1, len(status))
    print(f"{result.summary()}\ntotal {time.perf_counter() - started:.0f} s")
    print(f"recall={result.recall:.3f} precision={precision:.3f} honest_unpaid={len(unpaid)}")


if __name__ == "__main__":
    main()
