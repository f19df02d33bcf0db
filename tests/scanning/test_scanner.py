"""The scanner on a real database: idempotent alerts, late registry data, resume after a kill, the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import Agency, Alert, HospitalStay, ScanRun
from field_app.models.alert import ALERT_CLEARED, ALERT_DISMISSED, ALERT_OPEN
from field_app.scanning import jobs, lock
from field_app.scanning.evaluate import RuleSet
from field_app.scanning.scanner import MANUAL, ScanSettings, run_scan, start_run
from field_app.services.catalogue import load_catalogue
from field_app.timeutil import now_utc
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")


def yesterday_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(TZ).date() - timedelta(days=1)
    return datetime.combine(day, time(hour, minute), TZ)


@pytest.fixture
def world(app):
    """An agency, a caregiver and a client; ids only (no faces needed: results are recorded)."""
    with app.app_context():
        load_catalogue()
        agency = f.add_agency()
        caregiver = f.add_caregiver(agency)
        client = f.add_client(agency)
        db.session.commit()
        return {"agency_id": agency.id, "caregiver_id": caregiver.id, "client_id": client.id}


def visit(app, world, uuid, start, minutes, **kw) -> int:
    with app.app_context():
        vid = f.add_visit(
            uuid, world["caregiver_id"], world["client_id"], world["agency_id"], start, minutes, **kw
        )
        db.session.commit()
        return vid


def alerts(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return sorted(db.session.execute(select(Alert.rule_code, Alert.subject_key, Alert.status)).tuples())


def scan(app, kind="incremental", **kw):
    with app.app_context():
        run = jobs.scan(kind, **kw)
        return None if run is None else (run.visits_scanned, run.alerts_created, run.status)


def test_incremental_scan_raises_alerts_once_and_rescans_are_idempotent(app, world):
    visit(app, world, "v-short-0001", yesterday_at(10), 12, items=("L03",))  # bathing needs 40 min
    visit(app, world, "v-honest-001", yesterday_at(14), 70, items=("L03",))
    result = scan(app)
    assert alerts(app) == [("T01", "visit:1", ALERT_OPEN)]
    assert result[1:] == (1, "done")
    again = scan(app)  # re-reads the last minutes (overlap for late commits) but adds nothing
    assert again[1:] == (0, "done") and len(alerts(app)) == 1
    full = scan(app, MANUAL, since=yesterday_at(0), until=now_utc())
    assert full == (2, 0, "done") and len(alerts(app)) == 1


def test_late_registry_data_flags_last_weeks_visits(app, world):
    visit(app, world, "v-hosp-0001", yesterday_at(10), 60)
    scan(app)
    assert alerts(app) == []
    with app.app_context():  # the hospital stay arrives from medical insurance a week late
        day = yesterday_at(10).date()
        db.session.add(
            HospitalStay(
                client_id=world["client_id"],
                admitted_on=day - timedelta(days=3),
                discharged_on=day + timedelta(days=2),
                imported_at=now_utc(),
            )
        )
        db.session.commit()
    assert scan(app)[0] == 1
    assert [a[0] for a in alerts(app)] == ["R01"]


def test_a_dismissed_alert_is_not_reopened_by_the_same_evidence_but_is_by_new(app, world):
    vid = visit(app, world, "v-short-0001", yesterday_at(10), 12, items=("L03",))
    scan(app)
    with app.app_context():
        alert = db.session.scalars(select(Alert)).one()
        alert.status, alert.dismissed_evidence_hash = ALERT_DISMISSED, alert.evidence_hash
        db.session.commit()
    scan(app, MANUAL, since=yesterday_at(0), until=now_utc())
    assert alerts(app) == [("T01", f"visit:{vid}", ALERT_DISMISSED)]
    with app.app_context():  # a late item upload makes the shortfall worse: new evidence
        from field_app.models import PerformedItem, Visit

        v = db.session.get(Visit, vid)
        v.items.append(
            PerformedItem(
                service_code="L15", started_at=yesterday_at(10, 5), in_care_plan=True, nurse_required=False
            )
        )
        v.changed_at = now_utc()
        db.session.commit()
    scan(app)
    assert alerts(app) == [("T01", f"visit:{vid}", ALERT_OPEN)]


def test_an_alert_explained_by_late_data_is_cleared(app, world):
    vid = visit(app, world, "v-open-00001", yesterday_at(7), None)  # never checked out... so far
    scan(app, "open_visits", until=now_utc())
    assert ("T04", f"visit:{vid}", ALERT_OPEN) in alerts(app)
    with app.app_context():  # the check-out arrives from a phone that was offline all night
        from field_app.models import Visit

        v = db.session.get(Visit, vid)
        v.state, v.check_out_at, v.changed_at = "closed", yesterday_at(8), now_utc()
        db.session.commit()
    scan(app)
    assert ("T04", f"visit:{vid}", ALERT_CLEARED) in alerts(app)


def test_a_scan_killed_half_way_resumes_with_nothing_lost_or_doubled(app, world):
    for n in range(6):
        visit(app, world, f"v-short-{n:04d}", yesterday_at(8 + n), 12, items=("L03",))
    settings = ScanSettings(chunk_size=2)
    with app.app_context():
        rules = RuleSet.from_config({})
        run = start_run(MANUAL, now_utc(), settings, yesterday_at(0), now_utc())
        beats = iter([True, False])  # the process "dies" after its second chunk
        run_scan(run, rules, now_utc(), settings, heartbeat=lambda: next(beats))
        assert (run.status, run.visits_scanned) == ("running", 4)
        assert db.session.scalar(select(func.count()).select_from(Alert).where(Alert.rule_code == "T01")) == 4
        resumed = jobs.scan(MANUAL, since=yesterday_at(0), until=now_utc())
        assert resumed.id == run.id and resumed.status == "done" and resumed.visits_scanned == 6
    assert sorted(a[1] for a in alerts(app) if a[0] == "T01") == sorted(f"visit:{n}" for n in range(1, 7))
    assert len(alerts(app)) == len(set(alerts(app)))


def test_a_broken_rule_is_recorded_and_the_others_still_run(app, world):
    visit(app, world, "v-short-0001", yesterday_at(10), 12, items=("L03",))
    with app.app_context():
        rules = RuleSet.from_config({})
        rules = RuleSet(tuple(r if r.code != "T02" else _BrokenRule(r) for r in rules.rules), rules.params)
        run = start_run(MANUAL, now_utc(), ScanSettings(), yesterday_at(0), now_utc())
        run_scan(run, rules, now_utc(), ScanSettings())
        assert run.status == "done" and run.errors[0]["rule"] == "T02" and "boom" in run.errors[0]["error"]
    assert [a[0] for a in alerts(app)] == ["T01"]


def _boom(*_):
    raise RuntimeError("boom")


class _BrokenRule:
    """A registered rule whose evaluate raises (a bug in a new rule must not stop the watch)."""

    def __init__(self, rule):
        self._rule = rule

    def __getattr__(self, name):
        return _boom if name == "evaluate" else getattr(self._rule, name)


def test_the_lock_keeps_a_second_scanner_out_until_the_lease_expires(app):
    with app.app_context():
        now = now_utc()
        assert lock.acquire("scheduler-a", now, 60)
        assert not lock.acquire("scheduler-b", now, 60)
        assert lock.acquire("scheduler-a", now, 60)  # renewing our own lease
        assert lock.acquire("scheduler-b", now + timedelta(seconds=61), 60)  # a dead holder's lease expired
        lock.release("scheduler-a")  # not ours any more: changes nothing
        assert not lock.acquire("scheduler-a", now + timedelta(seconds=62), 60)


def test_a_second_scheduler_process_does_not_scan_while_one_holds_the_lock(app, world, tmp_path):
    if os.environ.get("TEST_DATABASE_URL"):
        url = os.environ["TEST_DATABASE_URL"]
    else:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
    visit(app, world, "v-short-0001", yesterday_at(10), 12, items=("L03",))
    with app.app_context():
        assert lock.acquire("the-running-scheduler", now_utc(), 600)
    env = {**os.environ, "FLASK_APP": "field_app", "DATABASE_URL": url}
    other = subprocess.run(
        [sys.executable, "-m", "flask", "rules", "scan"], env=env, capture_output=True, text=True, timeout=120
    )
    assert other.returncode != 0 and "Another scanner holds the lock" in other.stderr
    assert alerts(app) == []
    with app.app_context():
        lock.release("the-running-scheduler")
        assert db.session.scalar(select(func.count()).select_from(ScanRun)) == 0
    again = subprocess.run(
        [sys.executable, "-m", "flask", "rules", "scan"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert [a[0] for a in alerts(app)] == ["T01"]


def test_rules_list_and_dry_run_write_nothing(app, world, runner):
    visit(app, world, "v-short-0001", yesterday_at(10), 30, items=("L03",))
    listing = runner.invoke(args=["rules", "list"])
    assert listing.exit_code == 0 and "F01" in listing.output and "R05" in listing.output
    day = (yesterday_at(0) - timedelta(days=1)).strftime("%Y-%m-%d")
    dry = runner.invoke(args=["rules", "dry-run", "T01", "--since", day])
    assert dry.exit_code == 0 and "1 findings over 1 visits" in dry.output
    looser = runner.invoke(args=["rules", "dry-run", "T01", "--since", day, "--set", "tolerance_minutes=15"])
    assert "0 findings" in looser.output
    bad = runner.invoke(args=["rules", "dry-run", "T01", "--since", day, "--set", "nope=1"])
    assert bad.exit_code != 0 and "no threshold" in bad.output
    assert alerts(app) == []


def test_risk_ranks_caregivers_by_their_alerts(app, world):
    visit(app, world, "v-short-0001", yesterday_at(10), 12, items=("L03",))
    with app.app_context():
        other = f.add_caregiver(db.session.get(Agency, world["agency_id"]), code="CG2", device_id="phone-2")
        db.session.commit()
        f.add_visit(
            "v-honest-002",
            other.id,
            world["client_id"],
            world["agency_id"],
            yesterday_at(15),
            70,
            items=("L03",),
        )
        db.session.commit()
    scan(app)
    with app.app_context():
        from field_app.services.risk import caregiver_risk

        ranking = caregiver_risk()
    assert ranking[0]["id"] == world["caregiver_id"] and ranking[0]["risk"] > 0
    assert all(row["id"] != 2 or row["risk"] == 0 for row in ranking)


def _move_check_out(app, vid, at):
    with app.app_context():
        from field_app.models import Visit

        v = db.session.get(Visit, vid)
        v.check_out_at, v.changed_at = at, now_utc()
        v.attempts[-1].fix_time = at
        db.session.commit()


def test_a_caregiver_scope_alert_explained_by_late_data_is_cleared(app, world):
    """X01 (caregiver_day) raised on a check-out time that a late upload corrects: cleared, not left open."""
    first = visit(app, world, "v-overlap-01", yesterday_at(9), 60)
    visit(app, world, "v-overlap-02", yesterday_at(9, 30), 60)
    scan(app)
    day = yesterday_at(9).date().isoformat()
    assert ("X01", f"caregiver_day:{world['caregiver_id']}:{day}", ALERT_OPEN) in alerts(app)
    _move_check_out(app, first, yesterday_at(9, 25))
    scan(app)
    assert ("X01", f"caregiver_day:{world['caregiver_id']}:{day}", ALERT_CLEARED) in alerts(app)


def test_a_population_scope_alert_explained_by_late_data_is_cleared(app, world):
    """X04 (device_day): the second caregiver's attempt turns out to come from her own phone."""
    with app.app_context():
        other = f.add_caregiver(db.session.get(Agency, world["agency_id"]), code="CG2", device_id="phone-2")
        db.session.commit()
        other_id = other.id
    visit(app, world, "v-device-01", yesterday_at(9), 30)
    with app.app_context():
        second = f.add_visit(
            "v-device-02", other_id, world["client_id"], world["agency_id"], yesterday_at(11), 30
        )
        from field_app.models import Visit

        for a in db.session.get(Visit, second).attempts:
            a.device_id = f"phone-{world['caregiver_id']}"
        db.session.commit()
    scan(app)
    key = f"device_day:phone-{world['caregiver_id']}:{yesterday_at(9).date().isoformat()}"
    assert ("X04", key, ALERT_OPEN) in alerts(app)
    with app.app_context():
        v = db.session.get(Visit, second)
        for a in v.attempts:
            a.device_id = f"phone-{other_id}"
        v.changed_at = now_utc()
        db.session.commit()
    scan(app)
    assert ("X04", key, ALERT_CLEARED) in alerts(app)


def test_a_caregiver_scope_alert_is_kept_while_its_visits_still_show_the_pattern(app, world):
    visit(app, world, "v-keep-0001", yesterday_at(9), 60)
    third = visit(app, world, "v-keep-0002", yesterday_at(9, 30), 60)
    scan(app)
    with app.app_context():
        from field_app.models import Visit

        db.session.get(Visit, third).changed_at = now_utc()  # touched, still overlapping
        db.session.commit()
    scan(app)
    day = yesterday_at(9).date().isoformat()
    assert ("X01", f"caregiver_day:{world['caregiver_id']}:{day}", ALERT_OPEN) in alerts(app)


def test_alert_evidence_cites_the_public_ids_the_api_resolves(app, world, client):
    """No internal numeric ids in evidence or messages: visits by the phone's visit_id, attempts by
    their attempt_id (GET /visits/{visit_id} resolves them)."""
    visit(app, world, "v-public-0001", yesterday_at(9), 60)
    visit(app, world, "v-public-0002", yesterday_at(9, 30), 60)
    scan(app)
    with app.app_context():
        x01 = db.session.scalar(select(Alert).where(Alert.rule_code == "X01"))
        assert x01.evidence["pairs"][0]["visit_ids"] == ["v-public-0001", "v-public-0002"]
        assert "v-public-0001" in x01.message and "v-public-0002" in x01.message
        short = db.session.scalar(select(Alert).where(Alert.rule_code == "T05")) or None
    assert (
        short is None or "attempt_id" not in short.evidence or isinstance(short.evidence["attempt_id"], str)
    )


def test_attempt_ids_in_evidence_are_the_phone_s_attempt_ids(app, world):
    vid = visit(app, world, "v-mismatch-01", yesterday_at(9), 60, face_status="mismatch")
    scan(app)
    with app.app_context():
        from field_app.models import Visit

        attempts = {a.uuid for a in db.session.get(Visit, vid).attempts}
        f01 = db.session.scalar(select(Alert).where(Alert.rule_code == "F01"))
        assert {a["attempt_id"] for a in f01.evidence["attempts"]} <= attempts and f01.evidence["attempts"]
